#include "test_library.hpp"

#include <flowrun_gates/netlist.hpp>

#include <gtest/gtest.h>

namespace fg = flowrun::gates;
using fg::test::cells;

// The first input port is the most significant digit of the assignment
// index: for a[3], b[2], k = a * 4 + b.
TEST(Simulate, AssignmentOrderIsRowMajorOverInputPorts) {
  const auto nl = fg::parse_netlist(R"(
module m(a, b, ya, yb, x);
  input [2:0] a; input [1:0] b; output [2:0] ya; output [1:0] yb; output x;
  assign ya = a;
  assign yb = b;
  XOR2 g (.A(a[0]), .B(b[1]), .Y(x));
endmodule)", "t.v", cells());
  const auto sim = fg::simulate(nl);
  ASSERT_EQ(sim.num_vectors, 32u);
  const auto ya = fg::port_values(nl, sim, "ya", false);
  const auto yb = fg::port_values(nl, sim, "yb", false);
  const auto x = fg::port_values(nl, sim, "x", false);
  for (int k = 0; k < 32; ++k) {
    EXPECT_EQ(ya[static_cast<std::size_t>(k)], k / 4);
    EXPECT_EQ(yb[static_cast<std::size_t>(k)], k % 4);
    EXPECT_EQ(x[static_cast<std::size_t>(k)], ((k / 4) & 1) ^ ((k % 4) >> 1));
  }
  const auto ys = fg::port_values(nl, sim, "ya", true);
  EXPECT_EQ(ys[7 * 4], -1);  // 3'b111 signed
}

// Every library cell evaluates to its Liberty function: each gate's output
// over all 4 rows of (A, B) equals the truth table.
TEST(Simulate, CellsFollowTheirLibertyFunctions) {
  for (const char* cell : {"NAND2", "NOR2", "AND2", "OR2", "XOR2", "XNOR2"}) {
    const std::string text = std::string("module m(a, b, y); input a; input b; output y; ") + cell +
                             " g (.A(b), .B(a), .Y(y)); endmodule";
    const auto nl = fg::parse_netlist(text, "t.v", cells());
    const auto y = fg::port_values(nl, fg::simulate(nl), "y", false);
    const auto* lc = cells().find(cell);
    ASSERT_NE(lc, nullptr);
    // k = a * 2 + b; pin A = b is truth-table bit 0, pin B = a is bit 1.
    for (int k = 0; k < 4; ++k) EXPECT_EQ(y[static_cast<std::size_t>(k)], (lc->truth >> k) & 1) << cell << " k=" << k;
  }
}

TEST(Simulate, CheckRejectsBrokenInvariants) {
  auto nl = fg::parse_netlist(
      "module m(a, y); input a; output y; wire n; INV g1 (.A(a), .Y(n)); INV g2 (.A(n), .Y(y)); endmodule", "t.v",
      cells());
  EXPECT_NO_THROW(nl.check());
  auto bad = nl;
  bad.gates[0].inputs[0] = bad.gates[1].output;  // reads a later gate
  EXPECT_THROW(bad.check(), fg::NetlistError);
  bad = nl;
  bad.gates[1].cell = "NAND2";  // wrong pin count
  EXPECT_THROW(bad.check(), fg::NetlistError);
  bad = nl;
  bad.gates[0].cell = "NOPE";
  EXPECT_THROW(bad.check(), fg::NetlistError);
  EXPECT_THROW(fg::simulate(bad), fg::NetlistError);
}
