// The accelerator with an evolved (approximate) MAC multiplier netlist:
// simulated in Verilator and Icarus, every logit bit-exact against the
// integer model with the multiplier's table (the LUT model); netlists whose
// ports do not fit are refused. Fixtures: data/make_multipliers.yaml.
#include "rtl/accel.hpp"
#include "rtl/mac_multiplier.hpp"
#include "rtl_sim_support.hpp"
#include "rtl_test_support.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>

namespace flowrun::cnn::rtl {
namespace {

const std::string kData = std::string(CNN_SOURCE_DIR) + "/tests/rtl/data/";
const std::string kCells = std::string(CNN_SOURCE_DIR) + "/../../cells/flowrun_cells.lib";

const std::vector<std::string> kSmallNet = {"conv2d 4 kernel=3 stride=1 padding=1", "relu",
                                            "maxpool 2", "conv2d 6 kernel=3", "relu",
                                            "flatten", "dense 5"};
const Shape kSmall{2, 8, 8};

struct Fixture {
  std::shared_ptr<const MacMultiplier> mult;
  MultiplierTable table;  // approx.ga's lut.bin
  ProductTable products;  // the effective table of the mapping
};

// Loads an evolved netlist and its approx.ga LUT, and checks them against
// each other by simulating the netlist here (so a stale fixture pair fails
// loudly instead of passing or failing the RTL tests for the wrong reason).
Fixture load_fixture(const std::string& stem, const std::string& mapping) {
  Fixture f;
  f.mult = std::make_shared<const MacMultiplier>(
      load_mac_multiplier(kData + stem + ".v", kCells, mapping, "", "", ""));
  const LutMapping m = parse_lut_mapping(mapping, "test");
  f.table = read_multiplier_table(kData + stem + ".lut.bin", m);
  const auto lib = liberty::read_liberty(kCells);
  const gates::Netlist nl = gates::read_netlist(kData + stem + ".v", lib);
  const auto sim = gates::simulate(nl);
  const auto y = gates::port_values(nl, sim, f.mult->y_port, mapping == "signed");
  EXPECT_EQ(y.size(), f.table.raw.size());
  const MultiplierTable exact = exact_multiplier_table(m);
  long wrong = 0;
  for (std::size_t k = 0; k < y.size() && k < f.table.raw.size(); ++k) {
    EXPECT_EQ(y[k], f.table.raw[k]) << stem << ": netlist and lut.bin differ at a=" << k / 256 << " b=" << k % 256;
    if (f.table.raw[k] != exact.raw[k]) ++wrong;
  }
  // An approximate multiplier, or the tests below prove nothing.
  EXPECT_GT(wrong, 1000) << stem << " is (nearly) exact";
  f.products = effective_table(f.table, m);
  return f;
}

CompileOptions approx_opts(int f, Partition p, const Fixture& fx) {
  CompileOptions o;
  o.banking = f;
  o.partition = p;
  o.multiplier = fx.mult;
  return o;
}

TEST(CnnApproxSim, SignedMultiplierVerilatorBitExact) {
  const Fixture fx = load_fixture("mult8x8s_approx", "signed");
  EXPECT_EQ(fx.mult->module, "mult8x8s");
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 21);
  test::SimSetup s;
  s.products = &fx.products;
  s.ready_percent = 70;
  test::expect_pass(test::simulate(q, approx_opts(4, Partition::Cyclic, fx), 6, "verilator", "approx_s_vl", s), 6);
}

TEST(CnnApproxSim, SignedMultiplierIcarusBitExactAndExactExpectationsFail) {
  const Fixture fx = load_fixture("mult8x8s_approx", "signed");
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 22);
  test::SimSetup s;
  s.products = &fx.products;
  const CompileOptions o = approx_opts(3, Partition::Block, fx);
  test::expect_pass(test::simulate(q, o, 2, "iverilog", "approx_s_iv", s), 2);
  // The same design checked against exact products must fail: the
  // netlist really is in the datapath and the logits really are compared.
  const auto exact = test::simulate(q, o, 2, "iverilog", "approx_s_iv_exact", test::SimSetup{});
  if (!exact.ran) GTEST_SKIP() << "iverilog not installed";
  EXPECT_EQ(exact.result["status"], "FAIL") << exact.log;
  EXPECT_GT(exact.result["logit_mismatches"].get<long>(), 0) << exact.log;
}

TEST(CnnApproxSim, SignMagnitudeMultiplierVerilatorAndIcarus) {
  const Fixture fx = load_fixture("mult8x8u_approx", "sign_magnitude");
  EXPECT_EQ(fx.mult->module, "mult8x8u");
  // Wrapping requantization and negative weights everywhere: the sign
  // handling around the unsigned multiplier on every path.
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 23, Rounding::Floor, Saturation::Wrap);
  test::SimSetup s;
  s.products = &fx.products;
  test::expect_pass(test::simulate(q, approx_opts(2, Partition::Cyclic, fx), 5, "verilator", "approx_u_vl", s), 5);
  test::expect_pass(test::simulate(q, approx_opts(4, Partition::Block, fx), 1, "iverilog", "approx_u_iv", s), 1);
}

TEST(CnnApproxSim, DesignRecordsTheMultiplier) {
  const Fixture fx = load_fixture("mult8x8s_approx", "signed");
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 24);
  const Design d = compile(q, approx_opts(4, Partition::Cyclic, fx), "test");
  const auto dir = test::fresh_dir("approx_design");
  write_design(d, (dir / "verilog").string(), (dir / "macros").string());
  const auto j = nlohmann::json::parse(test::read_file(dir / "verilog" / "design.json"));
  ASSERT_TRUE(j.contains("mac_multiplier"));
  EXPECT_EQ(j["mac_multiplier"]["module"], "mult8x8s");
  EXPECT_EQ(j["mac_multiplier"]["mapping"], "signed");
  // The netlist is copied unchanged and instantiated once per lane.
  EXPECT_EQ(test::read_file(dir / "verilog" / "mult8x8s.v"), test::read_file(kData + "mult8x8s_approx.v"));
  EXPECT_NE(test::read_file(dir / "verilog" / "cnn_accel.v").find("mult8x8s u_mult (.a(v8), .b(s1_x), .y(m_y))"),
            std::string::npos);
}

// A netlist text on flowrun's cells, written to the test folder.
std::filesystem::path netlist_file(const std::string& name, const std::string& text) {
  const auto dir = test::fresh_dir("approx_ports_" + name);
  const auto p = dir / (name + ".v");
  std::ofstream(p) << text;
  return p;
}

std::string load_error(const std::filesystem::path& p, const std::string& a = "", const std::string& b = "",
                       const std::string& y = "") {
  try {
    load_mac_multiplier(p, kCells, "signed", a, b, y);
  } catch (const StageError& e) {
    return e.what();
  }
  return "";
}

TEST(CnnApproxPorts, MismatchedPortsAreRefusedNamingThem) {
  // 8x8 inputs but an 8-bit product: not the accelerator's multiplier.
  const auto narrow = netlist_file("narrow", R"(module narrow(a, b, y);
  input [7:0] a; input [7:0] b; output [7:0] y;
  AND2 g0 (.A(a[0]), .B(b[0]), .Y(y[0]));
  assign y[7:1] = 7'b0;
endmodule
)");
  const std::string e1 = load_error(narrow);
  EXPECT_NE(e1.find(narrow.string()), std::string::npos) << e1;
  EXPECT_NE(e1.find("ports do not match"), std::string::npos) << e1;
  EXPECT_NE(e1.find("y = y[8]"), std::string::npos) << e1;
  EXPECT_NE(e1.find("two 8-bit inputs"), std::string::npos) << e1;
  EXPECT_NE(e1.find("module narrow"), std::string::npos) << e1;

  // Three inputs: which two are the operands cannot be guessed.
  const auto three = netlist_file("three", R"(module three(a, b, c, y);
  input [7:0] a; input [7:0] b; input c; output [15:0] y;
  AND2 g0 (.A(a[0]), .B(c), .Y(y[0]));
  assign y[15:1] = 15'b0;
endmodule
)");
  const std::string e2 = load_error(three);
  EXPECT_NE(e2.find("3 input ports"), std::string::npos) << e2;
  EXPECT_NE(e2.find("input c[1]"), std::string::npos) << e2;

  // A named port that the netlist does not have.
  const std::string e3 = load_error(kData + "mult8x8s_approx.v", "w");
  EXPECT_NE(e3.find("no input port 'w'"), std::string::npos) << e3;
  EXPECT_NE(e3.find("module mult8x8s has input a[8], input b[8], output y[16]"), std::string::npos) << e3;
  // The output named as an operand.
  const std::string e4 = load_error(kData + "mult8x8s_approx.v", "y");
  EXPECT_NE(e4.find("no input port 'y'"), std::string::npos) << e4;
  // Both operands the same port.
  const std::string e5 = load_error(kData + "mult8x8s_approx.v", "a", "a");
  EXPECT_NE(e5.find("the same port 'a'"), std::string::npos) << e5;
}

TEST(CnnApproxPorts, PortsFoundOrNamed) {
  // Found: a and b by name; named explicitly: the same result.
  const auto found = load_mac_multiplier(kData + "mult8x8s_approx.v", kCells, "signed", "", "", "");
  EXPECT_EQ(found.a_port, "a");
  EXPECT_EQ(found.b_port, "b");
  EXPECT_EQ(found.y_port, "y");
  const auto named = load_mac_multiplier(kData + "mult8x8s_approx.v", kCells, "signed", "a", "", "y");
  EXPECT_EQ(named.b_port, "b");
  EXPECT_GT(found.cells, 0);
  EXPECT_GT(found.area, 0);
  // A bad mapping name is refused.
  EXPECT_THROW(load_mac_multiplier(kData + "mult8x8s_approx.v", kCells, "twos", "", "", ""), StageError);
}

}  // namespace
}  // namespace flowrun::cnn::rtl
