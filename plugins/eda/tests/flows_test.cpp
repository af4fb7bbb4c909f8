// End-to-end: the eda stages run by the real flowrun program on the flows
// in tests/flows/, checked through report.json.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
