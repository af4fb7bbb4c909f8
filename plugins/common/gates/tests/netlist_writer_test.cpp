#include "test_library.hpp"

#include <flowrun_gates/netlist.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fg = flowrun::gates;
namespace fs = std::filesystem;
using fg::test::cells;

namespace {

fg::Netlist seed() {
  return fg::read_netlist(FLOWRUN_GATES_TEST_DATA "/mult4x4s_yosys.v", cells());
}

std::string write(const fg::Netlist& nl) {
  std::ostringstream os;
  fg::write_netlist(nl, os, "written by netlist_writer_test\nsecond line");
  return os.str();
}

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command; returns its exit status and output.
std::pair<int, std::string> run(const std::string& cmd) {
  const std::string out_file =
      (fs::temp_directory_path() / ("gates_writer_test_out_" + std::to_string(::getpid()) + ".txt")).string();
  const int rc = std::system((cmd + " >" + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  return {rc, ss.str()};
}

}  // namespace

TEST(NetlistWriter, RoundTripKeepsStructureAndFunction) {
  const auto a = seed();
  const auto text = write(a);
  const auto b = fg::parse_netlist(text, "roundtrip.v", cells(), {{"a", 4}, {"b", 4}, {"y", 8}});
  EXPECT_EQ(b.module, a.module);
  ASSERT_EQ(b.gates.size(), a.gates.size());
  for (std::size_t i = 0; i < a.gates.size(); ++i) {
    EXPECT_EQ(b.gates[i].cell, a.gates[i].cell);
    EXPECT_EQ(b.gates[i].inputs, a.gates[i].inputs);
  }
  EXPECT_EQ(b.ports[2].bits, a.ports[2].bits);
  const auto sa = fg::simulate(a), sb = fg::simulate(b);
  EXPECT_EQ(fg::port_values(b, sb, "y", true), fg::port_values(a, sa, "y", true));
}

TEST(NetlistWriter, HeaderCommentAndCellSummary) {
  const auto text = write(seed());
  EXPECT_EQ(text.rfind("// written by netlist_writer_test\n// second line\n", 0), 0u);
  EXPECT_NE(text.find("74 cells, 452 transistors"), std::string::npos) << text.substr(0, 400);
  EXPECT_NE(text.find("module mult4x4s (a, b, y);"), std::string::npos);
  EXPECT_NE(text.find("  input  [3:0] a;"), std::string::npos);
  EXPECT_NE(text.find("  assign y[0] = y_0;"), std::string::npos);
}

TEST(NetlistWriter, SanitizesAndUniquifiesIdentifiers) {
  EXPECT_EQ(fg::sanitize_identifier("a[3]"), "a_3");
  EXPECT_EQ(fg::sanitize_identifier("_000_"), "_000_");
  EXPECT_EQ(fg::sanitize_identifier("$abc$12"), "_abc_12");
  EXPECT_EQ(fg::sanitize_identifier("3x"), "n_3x");
  EXPECT_EQ(fg::sanitize_identifier("wire"), "wire_");
  EXPECT_EQ(fg::sanitize_identifier(""), "n_");
  // A net and an instance with the same name, and names that clash once
  // sanitized, stay distinct.
  const auto nl = fg::parse_netlist(R"(
module \my-top (a, y);
  input a; output y;
  wire \n.1 , \n$1 ;
  INV \n.1 (.A(a), .Y(\n$1 ));
  INV \n$1 (.A(\n$1 ), .Y(\n.1 ));
  assign y = \n.1 ;
endmodule)", "t.v", cells());
  const auto text = write(nl);
  EXPECT_NE(text.find("module my_top (a, y);"), std::string::npos) << text;
  EXPECT_NE(text.find("wire n_1;"), std::string::npos) << text;
  EXPECT_NE(text.find("wire n_1_1;"), std::string::npos) << text;
  const auto back = fg::parse_netlist(text, "back.v", cells());
  EXPECT_EQ(back.gates.size(), 2u);
}

TEST(NetlistWriter, UnusedInputsAndDeadGatesAreMarkedForLint) {
  const auto nl = fg::parse_netlist(R"(
module m(a, y);
  input [1:0] a; output y;
  wire dead;
  INV g1 (.A(a[0]), .Y(y));
  INV g2 (.A(a[0]), .Y(dead));
endmodule)", "t.v", cells());
  const auto text = write(nl);
  EXPECT_NE(text.find("/* verilator lint_off UNUSEDSIGNAL */\n  input  [1:0] a;"), std::string::npos) << text;
  EXPECT_NE(text.find("/* verilator lint_off UNUSEDSIGNAL */  // drives nothing\n  wire dead;"),
            std::string::npos)
      << text;
}

// The written netlist compiles cleanly with the cell models in Verilator
// (-Wall) and Icarus Verilog.
TEST(NetlistWriter, LintCleanWithVerilatorAndIcarus) {
  const fs::path dir = fs::temp_directory_path() / ("flowrun_gates_writer_lint_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "netlist.v";
  auto nl = seed();
  fg::write_netlist_file(nl, file, "lint test");
  const std::string models = FLOWRUN_CELLS_DIR "/flowrun_cells.v";
  if (!have("verilator") || !have("iverilog")) GTEST_SKIP() << "verilator or iverilog not installed";
  auto [rc, out] = run("verilator --lint-only -Wall --top-module mult4x4s " + models + " " + file.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");
  std::tie(rc, out) = run("iverilog -g2005 -Wall -o " + (dir / "a.out").string() + " " + models + " " + file.string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << out;
}
