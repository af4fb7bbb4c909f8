#include "test_library.hpp"

#include <flowrun_gates/error_metrics.hpp>
#include <flowrun_gates/netlist.hpp>

#include <gtest/gtest.h>

namespace fg = flowrun::gates;
using fg::test::cells;

namespace {

fg::Netlist parse(const std::string& text, const fg::NetlistExpect& expect = {}) {
  return fg::parse_netlist(text, "t.v", cells(), expect);
}

// The message of the NetlistError thrown by parsing `text`.
std::string error_of(const std::string& text, const fg::NetlistExpect& expect = {}) {
  try {
    parse(text, expect);
  } catch (const fg::NetlistError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kHalfAdder = R"(
// half adder
module ha(a, b, s, c);
  input a;
  input b;
  output s;
  output c;
  XOR2 x0 (.A(a), .B(b), .Y(s));
  AND2 a0 (.A(a), .B(b), .Y(c));
endmodule
)";

}  // namespace

// mult4x4s_yosys.v: `assign y = a * b` (4x4 signed) synthesized by Yosys 0.23
// onto flowrun_cells (without NOR2) and written with write_verilog -noattr.
TEST(NetlistReader, ReadsYosysNetlistAndItComputesTheProduct) {
  const auto nl = fg::read_netlist(FLOWRUN_GATES_TEST_DATA "/mult4x4s_yosys.v", cells(),
                                   {{"a", 4}, {"b", 4}, {"y", 8}});
  EXPECT_EQ(nl.module, "mult4x4s");
  ASSERT_EQ(nl.ports.size(), 3u);
  EXPECT_EQ(nl.ports[0].name, "a");
  EXPECT_TRUE(nl.ports[0].is_input);
  EXPECT_FALSE(nl.ports[2].is_input);
  EXPECT_EQ(nl.gates.size(), 74u);
  EXPECT_EQ(nl.num_input_bits(), 8);
  EXPECT_EQ(nl.first_gate_signal(), 10);
  EXPECT_EQ(nl.num_signals, 84);
  EXPECT_NO_THROW(nl.check());
  // Input bits are numbered a[0..3] = 2..5, b[0..3] = 6..9.
  EXPECT_EQ(nl.ports[0].bits, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(nl.signal_names[6], "b[0]");
  const auto counts = nl.cell_counts();
  EXPECT_EQ(counts.at("NAND2"), 30);
  EXPECT_EQ(counts.at("XOR2"), 14);
  // 12 AND2*6 + 4 INV*2 + 30 NAND2*4 + 7 OR2*6 + 7 XNOR2*10 + 14 XOR2*10
  EXPECT_EQ(nl.total_transistors(), 12 * 6 + 4 * 2 + 30 * 4 + 7 * 6 + 7 * 10 + 14 * 10);
  const auto sim = fg::simulate(nl);
  EXPECT_EQ(fg::port_values(nl, sim, "y", true), fg::exact_products(4, 4, true));
}

TEST(NetlistReader, GatesAreTopologicallyOrderedWhateverTheFileOrder) {
  const auto nl = parse(R"(
module m(a, b, y);
  input a; input b; output y;
  wire n1, n2;
  INV i2 (.A(n1), .Y(n2));
  NAND2 i1 (.A(a), .B(b), .Y(n1));
  INV i3 (.A(n2), .Y(y));
endmodule)");
  ASSERT_EQ(nl.gates.size(), 3u);
  EXPECT_EQ(nl.gates[0].name, "i1");
  EXPECT_EQ(nl.gates[1].name, "i2");
  EXPECT_EQ(nl.gates[2].name, "i3");
  EXPECT_EQ(nl.gates[1].inputs, std::vector<int>{nl.gates[0].output});
  EXPECT_EQ(nl.ports[2].bits, std::vector<int>{nl.gates[2].output});
  EXPECT_EQ(nl.signal_names[static_cast<std::size_t>(nl.gates[0].output)], "n1");
}

TEST(NetlistReader, ResolvesAssignsConstantsConcatenationsAndEscapedNames) {
  const auto nl = parse(R"(
module \top$1 (input [1:0] a, input b, output [3:0] y);
  wire \n$5 ;
  wire [1:0] t;
  XOR2 \g$1 (.A(a[0]), .B(b), .Y(\n$5 ));
  assign t = {a[1], \n$5 };
  assign y[1:0] = t;
  assign y[3:2] = 2'b10;
endmodule)");
  EXPECT_EQ(nl.module, "top$1");
  EXPECT_EQ(nl.gates.size(), 1u);
  const auto& y = nl.ports[2];
  ASSERT_EQ(y.bits.size(), 4u);
  EXPECT_EQ(y.bits[0], nl.gates[0].output);
  EXPECT_EQ(y.bits[1], nl.ports[0].bits[1]);
  EXPECT_EQ(y.bits[2], fg::kConst0);
  EXPECT_EQ(y.bits[3], fg::kConst1);
  EXPECT_EQ(nl.signal_names[static_cast<std::size_t>(nl.gates[0].output)], "n$5");
}

TEST(NetlistReader, AcceptsPortsMatchingExpectation) {
  EXPECT_NO_THROW(parse(kHalfAdder, {{"a", 1}, {"b", 1}, {"s", 1}, {"c", 1}}));
}

TEST(NetlistReader, RejectsUnknownCell) {
  std::string t = kHalfAdder;
  t.replace(t.find("AND2 a0"), 4, "AOI9");
  EXPECT_EQ(error_of(t).rfind("t.v:9:3: unknown cell 'AOI9' (instance 'a0')", 0), 0u) << error_of(t);
}

TEST(NetlistReader, RejectsUnknownPinAndListsThePins) {
  std::string t = kHalfAdder;
  t.replace(t.find(".B(b), .Y(c)"), 2, ".C");
  const auto e = error_of(t);
  EXPECT_NE(e.find("t.v:9:"), std::string::npos) << e;
  EXPECT_NE(e.find("cell 'AND2' has no pin 'C'"), std::string::npos) << e;
  EXPECT_NE(e.find("pins: A, B, Y"), std::string::npos) << e;
}

TEST(NetlistReader, RejectsCombinationalLoopNamingItsNets) {
  const auto e = error_of(R"(
module m(a, y);
  input a; output y;
  wire n1, n2;
  NAND2 g1 (.A(a), .B(n2), .Y(n1));
  INV g2 (.A(n1), .Y(n2));
  INV g3 (.A(n2), .Y(y));
endmodule)");
  EXPECT_NE(e.find("combinational loop through nets"), std::string::npos) << e;
  EXPECT_NE(e.find("n1"), std::string::npos) << e;
  EXPECT_NE(e.find("n2"), std::string::npos) << e;
  EXPECT_NE(e.find("n2 -> n1 -> n2 (instances g2, g1)"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("t.v:", 0), 0u) << e;
}

TEST(NetlistReader, RejectsLoopThroughAssigns) {
  const auto e = error_of(R"(
module m(y);
  output y;
  wire p, q;
  assign p = q;
  assign q = p;
  assign y = p;
endmodule)");
  EXPECT_NE(e.find("combinational loop through assigns"), std::string::npos) << e;
}

TEST(NetlistReader, RejectsMultiplyDrivenNet) {
  std::string t = kHalfAdder;
  t.replace(t.find(".Y(c)"), 5, ".Y(s)");
  const auto e = error_of(t);
  EXPECT_EQ(e.rfind("t.v:9:", 0), 0u) << e;
  EXPECT_NE(e.find("net s is driven more than once (also by the output of XOR2 instance 'x0' at line 8)"),
            std::string::npos)
      << e;
}

TEST(NetlistReader, RejectsUndrivenNetReadByACell) {
  const auto e = error_of(R"(
module m(a, y);
  input a; output y;
  wire floating;
  NAND2 g1 (.A(a), .B(floating), .Y(y));
endmodule)");
  EXPECT_EQ(e.rfind("t.v:5:", 0), 0u) << e;
  EXPECT_NE(e.find("net floating is read by pin 'B' of instance 'g1' but nothing drives it"),
            std::string::npos)
      << e;
}

TEST(NetlistReader, RejectsUndrivenOutputBit) {
  const auto e = error_of(R"(
module m(a, y);
  input a; output [1:0] y;
  INV g1 (.A(a), .Y(y[0]));
endmodule)");
  EXPECT_NE(e.find("net y[1] is read by output port 'y' but nothing drives it"), std::string::npos) << e;
}

TEST(NetlistReader, RejectsSequentialCell) {
  const auto e = error_of(R"(
module m(a, y);
  input a; output y;
  DFFR r (.D(a), .Q(y));
endmodule)");
  EXPECT_NE(e.find("t.v:4:3: sequential cell 'DFFR' (instance 'r')"), std::string::npos) << e;
}

TEST(NetlistReader, RejectsPortWidthsOtherThanExpected) {
  auto e = error_of(kHalfAdder, {{"a", 8}, {"b", 1}, {"s", 1}, {"c", 1}});
  EXPECT_NE(e.find("port 'a' of module 'ha' is 1 bits wide, expected 8"), std::string::npos) << e;
  e = error_of(kHalfAdder, {{"a", 1}, {"b", 1}, {"s", 1}});
  EXPECT_NE(e.find("has port 'c' that the expected interface (a[1], b[1], s[1]) does not have"),
            std::string::npos)
      << e;
  e = error_of(kHalfAdder, {{"a", 1}, {"b", 1}, {"s", 1}, {"c", 1}, {"d", 1}});
  EXPECT_NE(e.find("has no port 'd'"), std::string::npos) << e;
}

TEST(NetlistReader, RejectsUnconnectedInputPin) {
  std::string t = kHalfAdder;
  t.replace(t.find(".B(b), .Y(c)"), 7, "");
  EXPECT_NE(error_of(t).find("input pin 'B' of AND2 instance 'a0' is not connected"), std::string::npos)
      << error_of(t);
}

TEST(NetlistReader, RejectsSyntaxErrorsWithLineAndColumn) {
  EXPECT_EQ(error_of("module m(a);\n  input a\nendmodule"),
            "t.v:3:1: expected ';' after the declaration, got 'endmodule'");
  EXPECT_EQ(error_of("module m(a);\n  input a;\n"), "t.v:3:1: missing 'endmodule'");
  EXPECT_NE(error_of("module m(a, y); input a; output y; assign y = b; endmodule").find("undeclared net 'b'"),
            std::string::npos);
  EXPECT_NE(error_of("module m(y); output y; assign y = 1'bx; endmodule").find("x and z values are not supported"),
            std::string::npos);
  EXPECT_NE(error_of("module m(a, y); input a; output y; INV g (a, y); endmodule").find("positional"),
            std::string::npos);
  EXPECT_NE(error_of("module m(y); output [1:0] y; assign y[2] = 1'b0; endmodule").find("index 2 is outside 'y' [1:0]"),
            std::string::npos);
  EXPECT_NE(error_of("module m(y); output y; assign y = 1'b0; endmodule module n(); endmodule")
                .find("exactly one module"),
            std::string::npos);
}

TEST(NetlistReader, RejectsDrivingAnInput) {
  const auto e = error_of("module m(a, y); input a; output y; INV g (.A(y), .Y(a)); assign y = 1'b0; endmodule");
  EXPECT_NE(e.find("drives input port bit a"), std::string::npos) << e;
}

TEST(NetlistReader, MissingFileIsAClearError) {
  try {
    fg::read_netlist("/nonexistent/n.v", cells());
    FAIL();
  } catch (const fg::NetlistError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/n.v: cannot open the netlist file");
  }
}
