// The cell library with the real tools: the Verilog models match the
// Liberty functions (exhaustive Icarus simulation), and Yosys, ABC and
// OpenSTA read and use the library without errors.
#include <flowrun_liberty/liberty.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace flowrun::liberty;

namespace {

struct ToolRun {
  int status;
  std::string output;
};

// Runs a command line (fixed strings built by the test) capturing output.
ToolRun run(const std::string& cmd) {
  ToolRun r{-1, {}};
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("flowrun_cells_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const char* kCounter =
    "module cnt(input clk, input rst_n, input en, output reg [3:0] q, output reg [3:0] h);\n"
    "  always @(posedge clk or negedge rst_n) if (!rst_n) q <= 4'd0; else if (en) q <= q + 4'd1;\n"
    "  always @(posedge clk) h <= q;\n"
    "endmodule\n";

}  // namespace

TEST(CellModels, CombinationalCellsMatchLibertyExhaustively) {
  Library lib = read_liberty(FLOWRUN_CELLS_LIB);
  fs::path d = temp_dir("models");
  std::ostringstream tb;
  tb << "module tb;\n  reg [5:0] v;\n  integer i;\n";
  for (const auto& c : lib.cells) {
    if (c.sequential) continue;
    tb << "  wire y_" << c.name << ";\n  " << c.name << " u_" << c.name << " (";
    for (std::size_t k = 0; k < c.inputs.size(); ++k) tb << "." << c.inputs[k] << "(v[" << k << "]), ";
    tb << ".Y(y_" << c.name << "));\n";
  }
  tb << "  initial begin\n    for (i = 0; i < 64; i = i + 1) begin\n      v = i; #1;\n";
  for (const auto& c : lib.cells)
    if (!c.sequential)
      tb << "      if (i < " << (1 << c.inputs.size()) << ") $display(\"" << c.name << " %0d %b\", i, y_" << c.name
         << ");\n";
  tb << "    end\n    $finish;\n  end\nendmodule\n";
  std::ofstream(d / "tb.v") << tb.str();
  ToolRun c = run("iverilog -g2005 -Wall -o " + (d / "tb.vvp").string() + " " + (d / "tb.v").string() + " " +
              FLOWRUN_CELLS_V);
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_EQ(c.output.find("warning"), std::string::npos) << c.output;
  ToolRun s = run("vvp -n " + (d / "tb.vvp").string());
  ASSERT_EQ(s.status, 0) << s.output;
  int checked = 0;
  std::istringstream lines(s.output);
  std::string name, value;
  unsigned assignment;
  while (lines >> name) {
    const LibCell* cell = lib.find(name);
    if (!cell) { std::getline(lines, value); continue; }
    lines >> assignment >> value;
    ASSERT_TRUE(value == "0" || value == "1") << name << " " << assignment << " gave " << value;
    EXPECT_EQ(value == "1", cell->eval(assignment)) << name << " input " << assignment;
    ++checked;
  }
  EXPECT_EQ(checked, 2 + 2 + 6 * 4);  // INV, BUF, six 2-input gates
  fs::remove_all(d);
}

TEST(CellModels, FlipFlopResetsAsynchronouslyAndCapturesOnRisingEdge) {
  fs::path d = temp_dir("dff");
  std::ofstream(d / "tb.v") <<
      "module tb;\n  reg D = 1'b1, CK = 1'b0, RN = 1'b1;\n  wire Q;\n  DFFR u (.D(D), .CK(CK), .RN(RN), .Q(Q));\n"
      "  initial begin\n"
      "    #1 RN = 1'b0; #1 $display(\"after_reset %b\", Q);\n"          // async: no clock edge
      "    #1 CK = 1'b1; #1 $display(\"clock_in_reset %b\", Q);\n"
      "    #1 CK = 1'b0; RN = 1'b1; #1 CK = 1'b1; #1 $display(\"captured %b\", Q);\n"
      "    #1 D = 1'b0; #1 $display(\"held %b\", Q);\n"
      "    #1 CK = 1'b0; #1 CK = 1'b1; #1 $display(\"captured0 %b\", Q);\n"
      "    $finish;\n  end\nendmodule\n";
  ToolRun c = run("iverilog -g2005 -Wall -o " + (d / "tb.vvp").string() + " " + (d / "tb.v").string() + " " +
              FLOWRUN_CELLS_V);
  ASSERT_EQ(c.status, 0) << c.output;
  ToolRun s = run("vvp -n " + (d / "tb.vvp").string());
  EXPECT_NE(s.output.find("after_reset 0"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("clock_in_reset 0"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("captured 1"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("held 1"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("captured0 0"), std::string::npos) << s.output;
  fs::remove_all(d);
}

TEST(CellModels, LintCleanWithVerilator) {
  for (const char* top : {"INV", "NAND2", "XNOR2", "DFFR"}) {
    ToolRun r = run(std::string("verilator --lint-only -Wall --top-module ") + top + " " + FLOWRUN_CELLS_V);
    EXPECT_EQ(r.status, 0) << top << ":\n" << r.output;
  }
}

// Yosys (read_liberty, dfflibmap, abc, stat) and then OpenSTA on the result.
TEST(CellTools, YosysAbcAndOpenStaAcceptTheLibrary) {
  fs::path d = temp_dir("tools");
  std::ofstream(d / "cnt.v") << kCounter;
  const std::string lib = FLOWRUN_CELLS_LIB;
  std::ofstream(d / "s.ys") << "read_liberty -lib " << lib << "\nread_verilog " << (d / "cnt.v").string()
                            << "\nsynth -flatten -top cnt\ndfflibmap -liberty " << lib << "\nabc -liberty " << lib
                            << "\nopt_clean\nstat -liberty " << lib << "\nwrite_verilog -noattr -noexpr "
                            << (d / "net.v").string() << "\n";
  ToolRun y = run("yosys -s " + (d / "s.ys").string());
  ASSERT_EQ(y.status, 0) << y.output;
  EXPECT_EQ(y.output.find("ERROR"), std::string::npos);
  EXPECT_EQ(y.output.find("Warning: Found unsupported"), std::string::npos);
  // All eight flip-flops mapped onto DFFR, async-reset ones included.
  EXPECT_NE(y.output.find("DFFR                            8"), std::string::npos) << y.output;
  EXPECT_NE(y.output.find("Chip area for module '\\cnt'"), std::string::npos);

  std::ofstream(d / "s.tcl") << "read_liberty " << lib << "\nread_verilog " << (d / "net.v").string()
                             << "\nlink_design cnt\ncreate_clock -name clk -period 2 [get_ports clk]\n"
                             << "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]\n"
                             << "set_output_delay 0 -clock clk [all_outputs]\n"
                             << "report_checks -path_delay max\nreport_power\n"
                             << "puts \"SLACK [sta::worst_slack_cmd max]\"\nexit\n";
  ToolRun s = run("sta -no_init -exit " + (d / "s.tcl").string());
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_EQ(s.output.find("Error"), std::string::npos) << s.output;
  EXPECT_EQ(s.output.find("Warning"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("(DFFR)"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("slack (MET)"), std::string::npos) << s.output;
  fs::remove_all(d);
}
