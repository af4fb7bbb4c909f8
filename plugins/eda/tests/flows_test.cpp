// End-to-end: the eda stages run by the real flowrun program on the flows
// in tests/flows/, checked through report.json.
#include <flowrun_liberty/liberty.hpp>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct FlowRun;
FlowRun run_flow_file(const std::string& flow, const std::string& name);

struct FlowRun {
  int exit_code = -1;
  std::string output;
  json report;
  fs::path dir;
};

FlowRun run_flow(const std::string& flow, const std::string& name) {
  return run_flow_file(std::string(FLOWRUN_EDA_FLOWS) + "/" + flow, name);
}

FlowRun run_flow_file(const std::string& flow, const std::string& name) {
  FlowRun r;
  r.dir = fs::temp_directory_path() / ("flowrun_eda_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(r.dir);
  const std::string cmd = std::string(FLOWRUN_BIN) + " run " + flow + " --no-cache --run-dir " +
                          r.dir.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(r.dir / "report.json");
  if (in) r.report = json::parse(in, nullptr, false);
  return r;
}

const json& stage(const FlowRun& r, const std::string& name) {
  static const json empty = json::object();
  if (!r.report.is_object() || !r.report.contains("stages") || !r.report["stages"].contains(name)) return empty;
  return r.report["stages"][name];
}

double metric(const FlowRun& r, const std::string& st, const std::string& m) {
  const json& s = stage(r, st);
  if (!s.contains("metrics") || !s["metrics"].contains(m)) return -1e300;
  return s["metrics"][m].get<double>();
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(EdaFlows, CounterSynthSimStaEquiv) {
  FlowRun r = run_flow("eda_counter.yaml", "counter");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"synth", "sim_rtl", "sim_gates", "sta", "equiv"})
    EXPECT_EQ(stage(r, s).value("status", ""), "ok") << s << "\n" << r.output;
  // 8 flip-flops (count, last), all DFFR; some logic for the increment.
  EXPECT_EQ(metric(r, "synth", "cells_DFFR"), 8);
  EXPECT_EQ(metric(r, "synth", "sequential_cells"), 8);
  EXPECT_GT(metric(r, "synth", "cells"), 8);
  EXPECT_GT(metric(r, "synth", "transistors"), 8 * 28);
  EXPECT_GT(metric(r, "synth", "area"), 8 * 3.99);
  // The testbench checked 40 cycles at RTL and at gate level.
  EXPECT_EQ(metric(r, "sim_rtl", "vectors"), 40);
  EXPECT_EQ(metric(r, "sim_rtl", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "cycles"), 40);
  EXPECT_EQ(metric(r, "sim_gates", "vectors"), 40);
  EXPECT_EQ(metric(r, "sim_gates", "mismatches"), 0);
  EXPECT_TRUE(fs::exists(r.dir / "sim_rtl" / "out" / "results" / "dump.vcd"));
  EXPECT_TRUE(fs::exists(r.dir / "sim_gates" / "out" / "results" / "trace.txt"));
  EXPECT_TRUE(fs::exists(r.dir / "sim_gates" / "out" / "summary.json"));
  // Timing: a few gates between flops easily meet 2 ns.
  double wns = metric(r, "sta", "wns_ns");
  EXPECT_GT(wns, 0);
  EXPECT_NEAR(metric(r, "sta", "critical_path_ns"), 2 - wns, 1e-9);
  EXPECT_NEAR(metric(r, "sta", "fmax_mhz"), 1000 / (2 - wns), 1e-6);
  EXPECT_GT(metric(r, "sta", "power_mw"), 0);
  EXPECT_GT(metric(r, "sta", "leakage_power_mw"), 0);
  EXPECT_TRUE(fs::exists(r.dir / "sta" / "out" / "timing.rpt"));
  EXPECT_EQ(metric(r, "equiv", "proven"), 1);
  EXPECT_EQ(metric(r, "equiv", "flip_flops"), 8);
  fs::remove_all(r.dir);
}

TEST(EdaFlows, MultiplierRestrictedGatesVirtualClockEquiv) {
  FlowRun r = run_flow("eda_mult8.yaml", "mult8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(metric(r, "synth", "cells"), 300);
  EXPECT_EQ(metric(r, "synth", "cells_NOR2"), -1e300);  // not allowed, not used
  EXPECT_EQ(metric(r, "synth", "cells_BUF"), -1e300);
  EXPECT_GT(metric(r, "synth", "cells_XOR2") + metric(r, "synth", "cells_XNOR2"), 50);
  // An 8x8 multiplier takes somewhat under a nanosecond in this library.
  double cp = metric(r, "sta", "critical_path_ns");
  EXPECT_GT(cp, 0.3);
  EXPECT_LT(cp, 3);
  EXPECT_EQ(metric(r, "equiv", "proven"), 1);
  fs::remove_all(r.dir);
}

TEST(EdaFlows, WrongTestbenchAndAlteredNetlistFail) {
  FlowRun r = run_flow("eda_failures.yaml", "failures");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json& sim = stage(r, "sim_wrong");
  EXPECT_EQ(sim.value("status", ""), "failed");
  EXPECT_NE(sim.value("error", "").find("mismatches"), std::string::npos) << sim.dump();
  const json& eq = stage(r, "equiv_bad");
  EXPECT_EQ(eq.value("status", ""), "failed");
  EXPECT_NE(eq.value("error", "").find("not equivalent"), std::string::npos) << eq.dump();
  EXPECT_NE(eq.value("error", "").find("counterexample"), std::string::npos) << eq.dump();
  fs::remove_all(r.dir);
}

// sim.verilator runs the same testbench artifacts as sim.iverilog: RTL and
// gate-level simulation pass with the same vectors, files the testbench
// writes land in results/, and a wrong reference model fails the stage.
TEST(EdaFlows, VerilatorSimulatesRtlAndGatesAndReportsMismatches) {
  FlowRun r = run_flow("eda_verilator.yaml", "verilator");
  EXPECT_EQ(r.exit_code, 1) << r.output;  // sim_wrong fails, the others pass
  for (const char* s : {"synth", "sim_rtl", "sim_gates"})
    EXPECT_EQ(stage(r, s).value("status", ""), "ok") << s << ": " << stage(r, s).dump();
  EXPECT_EQ(metric(r, "sim_rtl", "vectors"), 40);
  EXPECT_EQ(metric(r, "sim_rtl", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "cycles"), 40);
  EXPECT_GT(metric(r, "sim_rtl", "compile_seconds"), 0);
  EXPECT_EQ(metric(r, "sim_gates", "vectors"), 40);
  EXPECT_EQ(metric(r, "sim_gates", "mismatches"), 0);
  EXPECT_TRUE(fs::exists(r.dir / "sim_rtl" / "out" / "results" / "dump.vcd"));
  EXPECT_TRUE(fs::exists(r.dir / "sim_gates" / "out" / "results" / "trace.txt"));
  std::ifstream summary(r.dir / "sim_gates" / "out" / "summary.json");
  const json js = json::parse(summary, nullptr, false);
  EXPECT_EQ(js.value("simulator", ""), "verilator") << js.dump();
  EXPECT_EQ(js.value("gate_level", false), true) << js.dump();

  const json& wrong = stage(r, "sim_wrong");
  EXPECT_EQ(wrong.value("status", ""), "failed");
  EXPECT_NE(wrong.value("error", "").find("mismatches"), std::string::npos) << wrong.dump();
  fs::remove_all(r.dir);
}

TEST(EdaFlows, MissingLibertyIsAClearError) {
  FlowRun r = run_flow("eda_missing_liberty.yaml", "noliberty");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no_such_cells.lib"), std::string::npos) << r.output;
  fs::remove_all(r.dir);
}

// A synthesized netlist with one gate swapped (XOR2 -> XNOR2) is caught.
TEST(EdaFlows, NetlistWithOneGateSwappedIsNotEquivalent) {
  FlowRun good = run_flow("eda_counter.yaml", "swap_src");
  ASSERT_EQ(good.exit_code, 0) << good.output;
  std::ifstream in(good.dir / "synth" / "out" / "netlist.v");
  std::string net((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = net.find("  XOR2 ");
  ASSERT_NE(at, std::string::npos);
  net.replace(at, 7, "  XNOR2 ");
  fs::path dir = fs::temp_directory_path() / ("flowrun_eda_swap_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "netlist.v") << net;
  std::ofstream(dir / "flow.yaml") << "name: swapped\nstages:\n  equiv:\n    uses: verify.equiv\n"
                                   << "    inputs: {rtl: " << FLOWRUN_EDA_FLOWS << "/counter4.v, netlist: ./netlist.v}\n";
  FlowRun r = run_flow_file((dir / "flow.yaml").string(), "swapped");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string error = stage(r, "equiv").value("error", "");
  EXPECT_NE(error.find("not equivalent"), std::string::npos) << error;
  EXPECT_NE(error.find("count["), std::string::npos) << error;  // names the register or output
  fs::remove_all(dir);
  fs::remove_all(r.dir);
  fs::remove_all(good.dir);
}

// The method must cope with constant multiplies and a wide accumulator
// (a monolithic SAT miter does not finish on this).
TEST(EdaFlows, MultiplierHeavySequentialDesignProves) {
  FlowRun r = run_flow("eda_mac4.yaml", "mac4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(metric(r, "equiv", "proven"), 1);
  EXPECT_EQ(metric(r, "equiv", "flip_flops"), 96);  // acc 48 + h1..h3 3x16
  EXPECT_EQ(metric(r, "synth", "cells_DFFR"), 96);
  fs::remove_all(r.dir);
}

// SRAM macros end to end: rom_dot reads two ROM macros written by
// flowrun_sram. RTL simulation with the models (Icarus and Verilator, plain
// and sharded), synthesis keeping the macros black boxes, timing through
// them, gate-level simulation of the netlist with the macro models.
TEST(EdaFlows, SramMacrosSimulateSynthesizeAndTime) {
  FlowRun r = run_flow("eda_macros.yaml", "macros");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"sim_rtl", "sim_rtl_sharded", "sim_verilator", "sim_verilator_sharded", "sim_gates",
                        "sim_gates_verilator"}) {
    EXPECT_EQ(metric(r, s, "vectors"), 40) << s;
    EXPECT_EQ(metric(r, s, "mismatches"), 0) << s;
  }
  // Sharding: the summed vectors equal the unsharded count; each shard ran
  // in its own results folder and reported its own line.
  EXPECT_EQ(metric(r, "sim_verilator", "shards"), 1);
  EXPECT_EQ(metric(r, "sim_verilator_sharded", "shards"), 3);
  EXPECT_EQ(metric(r, "sim_rtl_sharded", "shards"), 2);
  EXPECT_EQ(metric(r, "sim_gates_verilator", "shards"), 2);
  const json sharded = json::parse(file_text(r.dir / "sim_verilator_sharded" / "out" / "summary.json"), nullptr, false);
  ASSERT_TRUE(sharded.contains("shard_results")) << sharded.dump();
  ASSERT_EQ(sharded["shard_results"].size(), 3u);
  int sum = 0;
  for (const auto& s : sharded["shard_results"]) sum += s["vectors"].get<int>();
  EXPECT_EQ(sum, 40);
  EXPECT_EQ(sharded["shard_results"][0]["vectors"], 14);  // vectors 0, 3, ..., 39
  EXPECT_EQ(sharded["models"], json::array({"rom_a.v", "rom_b.v"}));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(fs::is_directory(r.dir / "sim_verilator_sharded" / "out" / "results" / ("shard" + std::to_string(i))));
  EXPECT_TRUE(fs::exists(r.dir / "sim_verilator" / "out" / "results" / "dump.vcd"));

  // Synthesis: the two ROMs stay single black-box instances; their area is
  // the Liberty area; the logic is priced separately.
  const auto macros = flowrun::liberty::read_liberty(std::string(FLOWRUN_EDA_FLOWS) + "/rom_macros/rom_macros.lib");
  const double lib_area = macros.find("rom_a")->area + macros.find("rom_b")->area;
  EXPECT_GT(lib_area, 0);
  EXPECT_EQ(metric(r, "synth", "macros"), 2);
  EXPECT_NEAR(metric(r, "synth", "macro_area"), lib_area, 1e-6);
  EXPECT_NEAR(metric(r, "synth", "area"), metric(r, "synth", "logic_area") + lib_area, 1e-6);
  EXPECT_GT(metric(r, "synth", "logic_area"), 47 * 3.99);  // 47 flip-flops of control and accumulator
  EXPECT_EQ(metric(r, "synth", "sequential_cells"), 47);   // no ROM bit became a flip-flop
  const std::string netlist = file_text(r.dir / "synth" / "out" / "netlist.v");
  EXPECT_NE(netlist.find("rom_a u_rom_a ("), std::string::npos);
  EXPECT_NE(netlist.find("rom_b u_rom_b ("), std::string::npos);
  EXPECT_EQ(netlist.find("module rom_a"), std::string::npos);
  const std::string stat = file_text(r.dir / "synth" / "out" / "stat.txt");
  EXPECT_NE(stat.find("rom_a"), std::string::npos) << stat;

  // Timing through the macro: a path starts at the ROM's clock and leaves
  // through dout after its access time.
  const std::string timing = file_text(r.dir / "sta" / "out" / "timing.rpt");
  EXPECT_NE(timing.find("Startpoint: u_rom_a (rising edge-triggered flip-flop clocked by clk)"), std::string::npos)
      << timing;
  EXPECT_NE(timing.find("u_rom_a/dout["), std::string::npos) << timing;
  EXPECT_GT(metric(r, "sta", "wns_ns"), 0);
  EXPECT_GT(metric(r, "sta", "critical_path_ns"), 0.4);  // at least the ROM's access
  EXPECT_GT(metric(r, "sta", "power_mw"), 0);
  fs::remove_all(r.dir);
}

// A shardable testbench that is wrong for one vector: the shard that runs
// it fails the stage (named), although the other shards pass.
TEST(EdaFlows, OneMismatchingShardFailsTheStage) {
  FlowRun r = run_flow("eda_macros_failures.yaml", "shardfail");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json& v = stage(r, "sim_wrong_sharded");
  EXPECT_EQ(v.value("status", ""), "failed");
  EXPECT_NE(v.value("error", "").find("shard 1 of 2"), std::string::npos) << v.dump();  // vector 7: 7 % 2 == 1
  EXPECT_NE(v.value("error", "").find("status FAIL"), std::string::npos) << v.dump();
  const json& i = stage(r, "sim_wrong_sharded_iverilog");
  EXPECT_EQ(i.value("status", ""), "failed");
  EXPECT_NE(i.value("error", "").find("shard 1 of 3"), std::string::npos) << i.dump();  // 7 % 3 == 1
  fs::remove_all(r.dir);
}

// The same flow in two run folders gives byte-identical artifacts
// (summary.json has no times or absolute paths; the netlist and stat too).
TEST(EdaFlows, ArtifactsAreByteIdenticalAcrossRunFolders) {
  const std::string f = FLOWRUN_EDA_FLOWS;
  fs::path dir = fs::temp_directory_path() / ("flowrun_eda_repro_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "flow.yaml")
      << "name: repro\nstages:\n"
      << "  synth:\n    uses: synth.yosys\n    inputs: {verilog: " << f << "/rom_dot.v, macros: " << f
      << "/rom_macros}\n"
      << "  sim_gates:\n    uses: sim.iverilog\n    inputs: {testbench: " << f
      << "/tb_rom_dot, design: synth.netlist, models: " << f << "/rom_macros}\n"
      << "    with: {cell_models: \"${site.cell_verilog}\", shards: 2}\n";
  FlowRun a = run_flow_file((dir / "flow.yaml").string(), "repro_a");
  FlowRun b = run_flow_file((dir / "flow.yaml").string(), "repro_b");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  for (const char* file : {"sim_gates/out/summary.json", "synth/out/netlist.v", "synth/out/stat.txt"}) {
    const std::string ta = file_text(a.dir / file), tb = file_text(b.dir / file);
    EXPECT_FALSE(ta.empty()) << file;
    EXPECT_EQ(ta, tb) << file;
    EXPECT_EQ(ta.find(a.dir.string()), std::string::npos) << file;
  }
  fs::remove_all(dir);
  fs::remove_all(a.dir);
  fs::remove_all(b.dir);
}
