// flowrun_sram: the cost formula, the behavioural model (lint, Icarus and
// Verilator simulation with a hex init file) and the Liberty (flowrun's
// reader, Yosys read_liberty -lib, OpenSTA timing and power through the
// macro).
#include <flowrun_liberty/liberty.hpp>
#include <flowrun_sram/sram.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace flowrun::sram;

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
  fs::path d = fs::temp_directory_path() / ("flowrun_sram_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

Macro macro(std::string name, int depth, int width, std::string init = "") {
  Macro m;
  m.name = std::move(name);
  m.depth = depth;
  m.width = width;
  m.init_file = std::move(init);
  return m;
}

// A RAM exercised by a testbench: write, read back with one cycle of
// latency, dout holds while idle and during writes, and the ROM contents
// come from the init file in FLOWRUN_TBDIR.
const char* kTestbench = R"(
module tb;
  reg clk = 0, ce = 0, we = 0;
  reg [3:0] addr = 0;
  reg [11:0] din = 0;
  wire [11:0] dout, rom_out;
  reg [3:0] raddr = 0;
  integer errors = 0;
  ram12 u_ram (.clk(clk), .ce(ce), .we(we), .addr(addr), .din(din), .dout(dout));
  rom12 u_rom (.clk(clk), .ce(1'b1), .we(1'b0), .addr(raddr), .din(12'd0), .dout(rom_out));
  always #5 clk = ~clk;
  task check(input [11:0] got, input [11:0] want, input integer tag);
    if (got !== want) begin
      errors = errors + 1;
      $display("MISMATCH %0d got %h want %h", tag, got, want);
    end
  endtask
  initial begin
    // write 3 words
    @(negedge clk) ce = 1; we = 1; addr = 2; din = 12'habc;
    @(negedge clk) addr = 3; din = 12'h123;
    @(negedge clk) addr = 9; din = 12'hfed;
    // read 3: data appears after the next rising edge
    @(negedge clk) we = 0; addr = 3;
    @(negedge clk) check(dout, 12'h123, 1); addr = 2;
    @(negedge clk) check(dout, 12'habc, 2); ce = 0; addr = 9;
    // idle: holds
    @(negedge clk) check(dout, 12'habc, 3); ce = 1; we = 1; addr = 2; din = 12'h555;
    // a write does not change dout
    @(negedge clk) check(dout, 12'habc, 4); we = 0; addr = 9;
    @(negedge clk) check(dout, 12'hfed, 5); addr = 2;
    @(negedge clk) check(dout, 12'h555, 6);
    // ROM from rom12.hex: word i = 12'h100 + i*3
    raddr = 0;
    @(negedge clk) check(rom_out, 12'h100, 7); raddr = 5;
    @(negedge clk) check(rom_out, 12'h10f, 8); raddr = 15;
    @(negedge clk) check(rom_out, 12'h12d, 9);
    if (errors == 0) $display("SRAM_TB PASS"); else $display("SRAM_TB FAIL %0d", errors);
    $finish;
  end
endmodule
)";

void write_rom_hex(const fs::path& file) {
  std::ofstream o(file);
  for (int i = 0; i < 16; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03x\n", 0x100 + 3 * i);
    o << buf;
  }
}

}  // namespace

TEST(SramMacro, AddressBits) {
  EXPECT_EQ(macro("a", 1, 8).address_bits(), 1);
  EXPECT_EQ(macro("a", 2, 8).address_bits(), 1);
  EXPECT_EQ(macro("a", 3, 8).address_bits(), 2);
  EXPECT_EQ(macro("a", 1024, 8).address_bits(), 10);
  EXPECT_EQ(macro("a", 1025, 8).address_bits(), 11);
}

TEST(SramCost, AreaFollowsTheDocumentedFormula) {
  const Tech t = default_tech();
  const MacroCost c = cost(macro("w", 1024, 8), t);
  // 1024 x 8: mux 8 gives 128 rows x 64 columns (mux 16, 64 x 128, is as
  // far from square; the smaller mux wins the tie).
  EXPECT_EQ(c.mux, 8);
  EXPECT_EQ(c.rows, 128);
  EXPECT_EQ(c.columns, 64);
  const double area = t.periphery_area_um2 + 8192 * t.bitcell_area_um2 + 128 * t.row_area_um2 +
                      64 * t.column_area_um2 + 8 * t.io_area_per_bit_um2;
  EXPECT_DOUBLE_EQ(c.area_um2, area);
  EXPECT_NEAR(c.area_um2, 3801.2, 1e-6);  // the number docs/eda-stages.md quotes
  const double access = t.access_base_ns + 10 * t.access_per_log2_depth_ns + 128 * t.access_per_row_ns +
                        64 * t.access_per_column_ns;
  EXPECT_DOUBLE_EQ(c.access_ns, access);
  EXPECT_DOUBLE_EQ(c.setup_ns, t.setup_ns);
  const double energy = t.access_energy_base_pj +
                        64 * (128 * t.bitline_energy_per_cell_pj + t.wordline_energy_per_column_pj) +
                        8 * t.read_energy_per_bit_pj;
  EXPECT_DOUBLE_EQ(c.energy_per_access_pj, energy);
  EXPECT_DOUBLE_EQ(c.leakage_uw, (8192 * t.leakage_per_bit_nw + 192 * t.leakage_per_line_nw + t.leakage_base_nw) / 1000);
}

TEST(SramCost, ScalesWithDepthAndWidth) {
  const Tech t = default_tech();
  // Denser than flip-flops: per bit well below flowrun_cells' DFFR (3.99 µm²)
  // for any macro of a few kbit, and the fixed periphery dominates tiny ones.
  EXPECT_LT(cost(macro("a", 4096, 16), t).area_um2 / (4096 * 16), 0.6);
  EXPECT_GT(cost(macro("a", 16, 8), t).area_um2 / (16 * 8), 1.0);
  double prev_access = 0, prev_area = 0;
  for (int depth = 16; depth <= 65536; depth *= 4) {
    const MacroCost c = cost(macro("a", depth, 16), t);
    EXPECT_GT(c.access_ns, prev_access) << depth;
    EXPECT_GT(c.area_um2, prev_area) << depth;
    prev_access = c.access_ns;
    prev_area = c.area_um2;
  }
  // Width: a wider word costs more energy, time and leakage.
  const MacroCost narrow = cost(macro("a", 1024, 8), t), wide = cost(macro("a", 1024, 64), t);
  EXPECT_GT(wide.energy_per_access_pj, narrow.energy_per_access_pj);
  EXPECT_GT(wide.access_ns, narrow.access_ns);
  EXPECT_GT(wide.leakage_uw, 7 * narrow.leakage_uw);
  // Magnitudes: a 1 kbyte macro reads in well under a nanosecond and about
  // a picojoule at 45 nm.
  EXPECT_GT(narrow.access_ns, 0.4);
  EXPECT_LT(narrow.access_ns, 1.0);
  EXPECT_GT(narrow.energy_per_access_pj, 0.3);
  EXPECT_LT(narrow.energy_per_access_pj, 3.0);
}

TEST(SramCost, LargeMacrosAreBanked) {
  const Tech t = default_tech();
  EXPECT_EQ(cost(macro("a", 1024, 8), t).banks, 1);
  // 200704 x 8 (the dense-layer weights of a small CNN): mux 32, 6272 rows
  // in 13 banks of 483; one bank's bit lines per access.
  const MacroCost c = cost(macro("w", 200704, 8), t);
  EXPECT_EQ(c.mux, 32);
  EXPECT_EQ(c.rows, 6272);
  EXPECT_EQ(c.banks, 13);
  EXPECT_EQ(c.rows_per_bank, 483);
  const double access = t.access_base_ns + std::log2(200704.0) * t.access_per_log2_depth_ns +
                        483 * t.access_per_row_ns + 256 * t.access_per_column_ns +
                        std::log2(13.0) * t.access_per_bank_doubling_ns;
  EXPECT_DOUBLE_EQ(c.access_ns, access);
  EXPECT_LT(c.access_ns, 2.0);
  EXPECT_LT(c.energy_per_access_pj, 10.0);
  const double area = t.periphery_area_um2 + 200704.0 * 8 * t.bitcell_area_um2 + 6272 * t.row_area_um2 +
                      13 * 256 * t.column_area_um2 + 8 * t.io_area_per_bit_um2;
  EXPECT_DOUBLE_EQ(c.area_um2, area);
}

TEST(SramCost, RejectsBadMacros) {
  const Tech t = default_tech();
  EXPECT_THROW(cost(macro("a", 0, 8), t), std::invalid_argument);
  EXPECT_THROW(cost(macro("a", 8, 0), t), std::invalid_argument);
  EXPECT_THROW(cost(macro("3a", 8, 8), t), std::invalid_argument);
  EXPECT_THROW(cost(macro("module", 8, 8), t), std::invalid_argument);
  EXPECT_THROW(verilog_model(macro("a-b", 8, 8)), std::invalid_argument);
  EXPECT_THROW(verilog_model(macro("a", 8, 8, "x\".hex")), std::invalid_argument);
  EXPECT_THROW(verilog_model(macro("a", 8, 8, "/abs/x.hex")), std::invalid_argument);
  try {
    cost(macro("w_rom", 0, 8), t);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'w_rom'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("depth"), std::string::npos) << e.what();
  }
  EXPECT_THROW(liberty("lib", {macro("a", 8, 8), macro("a", 16, 8)}, t), std::invalid_argument);
}

TEST(SramModel, PortsAndInitFile) {
  Macro m = macro("wrom_l0", 100, 12, "l0_weights.hex");
  m.comment = "conv1 weights, bank 0\nsecond line";
  const std::string v = verilog_model(m);
  EXPECT_NE(v.find("module wrom_l0 (\n"), std::string::npos) << v;
  EXPECT_NE(v.find("input  wire clk,"), std::string::npos);
  EXPECT_NE(v.find("input  wire ce,"), std::string::npos);
  EXPECT_NE(v.find("input  wire we,"), std::string::npos);
  EXPECT_NE(v.find("input  wire [6:0] addr,"), std::string::npos);
  EXPECT_NE(v.find("input  wire [11:0] din,"), std::string::npos);
  EXPECT_NE(v.find("output reg  [11:0] dout"), std::string::npos);
  EXPECT_NE(v.find("reg [11:0] mem [0:99];"), std::string::npos);
  EXPECT_NE(v.find("`ifdef FLOWRUN_TBDIR\n  initial $readmemh({`FLOWRUN_TBDIR, \"l0_weights.hex\"}, mem);\n`endif"),
            std::string::npos) << v;
  EXPECT_NE(v.find("// conv1 weights, bank 0\n// second line\n"), std::string::npos);
  EXPECT_EQ(verilog_model(macro("r", 16, 8)).find("readmemh"), std::string::npos);
  EXPECT_EQ(v, verilog_model(m));
}

TEST(SramModel, VerilatorLintClean) {
  const fs::path d = temp_dir("lint");
  for (const Macro& m : {macro("m1", 1, 4), macro("m10", 10, 16, "m.hex"), macro("m1k", 1024, 8, "w.hex"),
                         macro("m2", 2, 1), macro("m4k", 4096, 72)}) {
    write(d / (m.name + ".v"), verilog_model(m));
    for (const std::string def : {"", " -DFLOWRUN_TBDIR='\"/tmp/\"'"}) {
      ToolRun r = run("verilator --lint-only -Wall" + def + " " + (d / (m.name + ".v")).string());
      EXPECT_EQ(r.status, 0) << m.name << def << "\n" << r.output;
      EXPECT_EQ(r.output, "") << m.name << def;
    }
  }
  fs::remove_all(d);
}

TEST(SramModel, IcarusAndVerilatorSimulateReadsWritesAndInitFile) {
  const fs::path d = temp_dir("sim");
  const fs::path tbdir = d / "tb";
  fs::create_directories(tbdir);
  write(tbdir / "tb.v", kTestbench);
  write_rom_hex(tbdir / "rom12.hex");
  write(d / "ram12.v", verilog_model(macro("ram12", 10, 12)));
  write(d / "rom12.v", verilog_model(macro("rom12", 16, 12, "rom12.hex")));
  const std::string tbdef = "-DFLOWRUN_TBDIR='\"" + tbdir.string() + "/\"'";
  const std::string files = (tbdir / "tb.v").string() + " " + (d / "ram12.v").string() + " " +
                            (d / "rom12.v").string();
  ToolRun c = run("iverilog -g2005 -Wall -s tb " + tbdef + " -o " + (d / "sim.vvp").string() + " " + files);
  ASSERT_EQ(c.status, 0) << c.output;
  ToolRun s = run("vvp -n " + (d / "sim.vvp").string());
  EXPECT_NE(s.output.find("SRAM_TB PASS"), std::string::npos) << s.output;

  ToolRun v = run("cd " + d.string() + " && verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style " +
                  "--top-module tb --Mdir obj " + tbdef + " " + files + " >/dev/null && obj/Vtb");
  EXPECT_NE(v.output.find("SRAM_TB PASS"), std::string::npos) << v.output;
  fs::remove_all(d);
}

TEST(SramLiberty, FlowrunReaderSeesAreasAndPins) {
  const Tech t = default_tech();
  const std::vector<Macro> ms{macro("wa", 1024, 8), macro("wb", 300, 24), macro("wc", 1, 1)};
  const std::string lib = liberty("cnn_macros", ms, t);
  EXPECT_EQ(lib, liberty("cnn_macros", ms, t));  // byte-identical
  const auto parsed = flowrun::liberty::parse_liberty(lib, "cnn_macros.lib");
  EXPECT_EQ(parsed.name, "cnn_macros");
  ASSERT_EQ(parsed.cells.size(), 3u);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(parsed.cells[i].name, ms[i].name);
    EXPECT_NEAR(parsed.cells[i].area, cost(ms[i], t).area_um2, 1e-3 * cost(ms[i], t).area_um2);
    const auto* clk = parsed.cells[i].pin("clk");
    ASSERT_NE(clk, nullptr);
    EXPECT_TRUE(clk->clock);
  }
  EXPECT_NE(lib.find("timing_type : rising_edge;"), std::string::npos);
  EXPECT_NE(lib.find("timing_type : setup_rising;"), std::string::npos);
  EXPECT_NE(lib.find("timing_type : hold_rising;"), std::string::npos);
  EXPECT_NE(lib.find("when : \"ce\";"), std::string::npos);
}

TEST(SramLiberty, YosysKeepsMacrosAsBlackBoxesAndOpenStaTimesThroughThem) {
  const fs::path d = temp_dir("tools");
  const Tech t = default_tech();
  const Macro rom = macro("wrom", 1024, 8);
  write(d / "m.lib", liberty("cnn_macros", {rom, macro("unused_ram", 64, 32)}, t));
  write(d / "top.v",
        "module top(input clk, input [9:0] a, output reg [7:0] q);\n"
        "  wire [7:0] d;\n"
        "  wrom u0 (.clk(clk), .ce(1'b1), .we(1'b0), .addr(a), .din(8'd0), .dout(d));\n"
        "  always @(posedge clk) q <= d + 8'd1;\n"
        "endmodule\n");
  const std::string cells = FLOWRUN_CELLS_LIB;
  write(d / "s.ys",
        "read_liberty -lib " + (d / "m.lib").string() + "\n" +
        "read_liberty -lib " + cells + "\n" +
        "read_verilog " + (d / "top.v").string() + "\n" +
        "hierarchy -check -top top\nsynth -flatten -top top\n" +
        "dfflibmap -liberty " + cells + "\nabc -liberty " + cells + "\nopt_clean\ncheck -assert\n" +
        "write_verilog -blackboxes " + (d / "bb.v").string() + "\n" +
        "write_verilog -noattr -noexpr " + (d / "net.v").string() + "\n");
  ToolRun y = run("yosys -q " + (d / "s.ys").string());
  ASSERT_EQ(y.status, 0) << y.output;
  std::ifstream bbf(d / "bb.v");
  const std::string bb((std::istreambuf_iterator<char>(bbf)), {});
  EXPECT_NE(bb.find("input [9:0] addr;"), std::string::npos) << bb;  // the bus widths came through
  EXPECT_NE(bb.find("output [7:0] dout;"), std::string::npos) << bb;
  std::ifstream nf(d / "net.v");
  const std::string net((std::istreambuf_iterator<char>(nf)), {});
  EXPECT_NE(net.find("wrom u0"), std::string::npos) << net;

  write(d / "s.tcl",
        "read_liberty " + cells + "\nread_liberty " + (d / "m.lib").string() + "\n" +
        "read_verilog " + (d / "net.v").string() + "\nlink_design top\n" +
        "create_clock -name clk -period 2 [get_ports clk]\n"
        "set_input_delay 0.2 -clock clk [delete_from_list [all_inputs] [get_ports clk]]\n"
        "set_output_delay 0 -clock clk [all_outputs]\n"
        "set_power_activity -global -activity 0.1 -duty 0.5\n"
        "report_checks -path_delay max -from [get_pins u0/clk]\n"
        "report_checks -path_delay max -to [get_pins {u0/addr[3]}]\n"
        "report_power -instances [get_cells u0]\n");
  ToolRun s = run("sta -no_splash -exit " + (d / "s.tcl").string());
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_EQ(s.output.find("Error"), std::string::npos) << s.output;
  EXPECT_EQ(s.output.find("Warning"), std::string::npos) << s.output;
  // clk -> dout: the macro's access time (plus a small load term).
  std::smatch mt;
  ASSERT_TRUE(std::regex_search(s.output, mt, std::regex(R"(([0-9.]+)\s+[0-9.]+ [v^] u0/dout\[\d\] \(wrom\))")))
      << s.output;
  const double access = cost(rom, t).access_ns;
  EXPECT_GE(std::stod(mt[1]), access - 0.006) << s.output;
  EXPECT_LE(std::stod(mt[1]), access + 0.05) << s.output;
  // addr setup against clk rising.
  EXPECT_NE(s.output.find("library setup time"), std::string::npos);
  EXPECT_NE(s.output.find("-0.10"), std::string::npos) << s.output;
  // Internal power: energy per access x 500 MHz with ce tied high.
  ASSERT_TRUE(std::regex_search(s.output, mt, std::regex(R"(\n\s*([0-9.e+-]+)\s+[0-9.e+-]+\s+([0-9.e+-]+)\s+[0-9.e+-]+ u0)")))
      << s.output;
  EXPECT_NEAR(std::stod(mt[1]), cost(rom, t).energy_per_access_pj * 1e-12 * 500e6, 2e-6) << s.output;
  EXPECT_NEAR(std::stod(mt[2]), cost(rom, t).leakage_uw * 1e-6, 1e-7) << s.output;
  fs::remove_all(d);
}
