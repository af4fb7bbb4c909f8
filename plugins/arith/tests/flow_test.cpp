// The arith stages through the flowrun program: a 4x4 goldenbrick in
// Icarus Verilog (fast), and, labelled e2e, flows/approx_mult.yaml with a
// short GA budget: goldenbrick on RTL and seed, the evolved netlist checked
// against its own LUT, metrics consistent, timing of both netlists; then
// verify.lut on doctored inputs must fail.
#include <flowrun_gates/error_metrics.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FlowRun {
  int exit_code = -1;
  std::string output;
  fs::path dir;
  json report;
  const json& stage(const std::string& name) const { return report.at("stages").at(name); }
};

// flowrun run FLOW --run-dir <tmp>/NAME --no-cache [extra...]
FlowRun run_flowrun(const std::string& flow, const std::string& name, const std::string& extra = "") {
  FlowRun r;
  r.dir = fs::temp_directory_path() / ("flowrun_arith_flow_" + name + "_" + std::to_string(::getpid()));
  // tests/report opens the e2e run's report.html in a browser rather than
  // run the flow again: with FLOWRUN_E2E_KEEP_DIR the run is made there.
  if (const char* keep = std::getenv("FLOWRUN_E2E_KEEP_DIR"); keep && *keep) r.dir = fs::path(keep) / name;
  fs::remove_all(r.dir);
  const std::string cmd =
      std::string(FLOWRUN_BIN) + " run " + flow + " --run-dir " + r.dir.string() + " --no-cache " + extra + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) r.output += buf;
  const int status = pipe ? pclose(pipe) : -1;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (fs::exists(r.dir / "report.json")) r.report = json::parse(slurp(r.dir / "report.json"));
  return r;
}

const std::string kData = FLOWRUN_ARITH_TEST_DATA;
const std::string kSource = FLOWRUN_SOURCE_DIR;

}  // namespace

TEST(ArithFlow, GoldenbrickOfExactRtlPasses) {
  const FlowRun r = run_flowrun(kData + "/mult4x4_goldenbrick.yaml", "golden");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json& sim = r.stage("sim");
  EXPECT_EQ(sim["metrics"]["vectors"], 256);
  EXPECT_EQ(sim["metrics"]["mismatches"], 0);
  const auto tb = r.dir / "bench" / "out" / "testbench";
  const json manifest = json::parse(slurp(tb / "testbench.json"));
  EXPECT_EQ(manifest, json::parse(R"({"format":"flowrun.testbench/1","top":"tb_mult4x4s","sources":["tb.v"],"timeout_s":600})"));
  // The simulator's results folder holds the simulated table.
  std::ifstream table(r.dir / "sim" / "out" / "results" / "table.hex");
  std::string line;
  int lines = 0;
  while (std::getline(table, line)) ++lines;
  EXPECT_EQ(lines, 256);
}

TEST(ArithFlow, GoldenbrickCatchesAWrongMultiplier) {
  const FlowRun r = run_flowrun(kData + "/mult4x4_wrong_rtl.yaml", "wrong");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.stage("sim")["status"], "failed");
}

TEST(ArithFlow, BadParamsAreClearStageErrors) {
  FlowRun r = run_flowrun(kData + "/mult4x4_goldenbrick.yaml", "badmodule", "--set rtl.module=9lives");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.stage("rtl")["error"].get<std::string>().find("'9lives' is not a plain Verilog identifier"),
            std::string::npos)
      << r.output;
  r = run_flowrun(kData + "/mult4x4_goldenbrick.yaml", "toowide", "--set bench.a_width=12 --set bench.b_width=12");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.stage("bench")["error"].get<std::string>().find("limited to 20 input bits"), std::string::npos)
      << r.output;
}

// Verilog injection through the module or a port name (docs/security.md):
// refused before any Verilog is written, by rtl.multiplier and by the
// testbench generator alike.
TEST(ArithFlow, VerilogInjectionInModuleOrPortNamesIsRefused) {
  FlowRun r = run_flowrun(kData + "/mult4x4_goldenbrick.yaml", "inject_module",
                          "--set 'rtl.module=m; endmodule module evil(); endmodule module x'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.stage("rtl")["error"].get<std::string>().find(
                "'m; endmodule module evil(); endmodule module x' is not a plain Verilog identifier"),
            std::string::npos)
      << r.output;
  r = run_flowrun(kData + "/mult4x4_goldenbrick.yaml", "inject_port", "--set 'bench.y_port=y); endmodule //'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.stage("bench")["error"].get<std::string>().find(
                "param y_port: 'y); endmodule //' is not a plain Verilog identifier"),
            std::string::npos)
      << r.output;
  for (const auto& e : fs::recursive_directory_iterator(r.dir))
    if (e.path().extension() == ".v") EXPECT_EQ(slurp(e.path()).find("endmodule //"), std::string::npos) << e.path();
}

// The whole chain after synthesis on a 4x4 seed, swept over two bounds:
// every instance's evolved netlist reproduces its LUT in Icarus Verilog,
// verify.lut agrees with the GA's metrics, and approx.pareto gathers both.
TEST(ArithFlow, SmallSweepVerifiesEveryInstanceAndGathersThem) {
  const FlowRun r = run_flowrun(kData + "/approx4x4_sweep.yaml", "sweep4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* eps : {"0.05", "0.2"}) {
    const std::string key = std::string("[eps_end=") + eps + "]";
    const json& ga = r.stage("ga" + key)["metrics"];
    const json& verify = r.stage("verify" + key)["metrics"];
    EXPECT_EQ(verify["table_matches"], 1) << key;
    for (const auto& name : flowrun::gates::error_metric_names())
      EXPECT_EQ(verify[name].get<double>(), ga[name].get<double>()) << key << " " << name;
    EXPECT_LE(ga["wce"].get<double>(), std::stod(eps)) << key;
    EXPECT_EQ(r.stage("sim_evolved" + key)["metrics"]["vectors"], 256) << key;
  }
  std::ifstream table(r.dir / "pareto" / "out" / "table.csv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(table, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].rfind("\"ga[eps_end=0.05]\",0.05,", 0), 0u) << rows[1];
  EXPECT_EQ(rows[2].rfind("\"ga[eps_end=0.2]\",0.2,", 0), 0u) << rows[2];
  EXPECT_EQ(r.stage("pareto")["metrics"]["designs"], 2);
  const std::string front = slurp(r.dir / "pareto" / "out" / "pareto.csv");
  EXPECT_EQ(front.rfind("cost,error,instance,eps_end,cost_value,error_value\ntransistors,wce,", 0), 0u) << front;
}

// flows/approx_mult.yaml end to end with a 10 s GA.
// A user's seed as it comes (module mult_8bits, ports A, B, OUT, unsigned,
// a PDK-shaped library without transistor counts): approx.ga finds the
// ports, testbench.arith drives them by name, Icarus simulates all 65536
// pairs and verify.lut reads the unsigned lut.bin (products up to 65025).
TEST(ArithFlow, UserSeedWithOwnPortNamesIsEvolvedSimulatedAndVerified) {
  const FlowRun r = run_flowrun(kData + "/pdk_seed_chain.yaml", "pdk_chain");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.stage("verify").at("metrics").at("table_matches"), 1);
  EXPECT_EQ(r.stage("ga").at("metrics").at("cost_model"), "area");
  EXPECT_LT(r.stage("ga").at("metrics").at("cost_ratio").get<double>(), 1.0);
  const std::string tb = slurp(r.dir / "lut_bench" / "out" / "testbench" / "tb.v");
  EXPECT_NE(tb.find("mult_8bits dut (.A(a), .B(b), .OUT(y));"), std::string::npos) << tb;
  // Artifacts name their inputs by content, never by path: the same in any run directory.
  const std::string verify = slurp(r.dir / "verify" / "out" / "verify.json");
  for (const std::string& artifact : {tb, verify})
    EXPECT_EQ(artifact.find(fs::absolute(r.dir).string()), std::string::npos) << artifact.substr(0, 2000);
  EXPECT_EQ(json::parse(verify).at("lut_sha256").get<std::string>().size(), 64u);
  fs::remove_all(r.dir);
}

TEST(ArithFlowE2E, ApproxMultFlowVerifiesTheEvolvedMultiplier) {
  const FlowRun r = run_flowrun(kSource + "/flows/approx_mult.yaml", "approx_mult", "--set ga.time_budget_s=10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"sim_rtl", "sim_seed"}) {
    const json& m = r.stage(s)["metrics"];
    EXPECT_EQ(m["vectors"], 65536) << s;
    EXPECT_EQ(m["mismatches"], 0) << s;
  }
  const json& ga = r.stage("ga")["metrics"];
  const json& verify = r.stage("verify")["metrics"];
  EXPECT_EQ(r.stage("sim_evolved")["metrics"]["mismatches"], 0);
  EXPECT_EQ(verify["table_matches"], 1);
  for (const auto& name : flowrun::gates::error_metric_names())
    EXPECT_EQ(verify[name].get<double>(), ga[name].get<double>()) << name;
  EXPECT_LE(ga["wce"].get<double>(), 0.005);
  EXPECT_LE(ga["transistors"].get<double>(), ga["seed_transistors"].get<double>());
  // The synthesized seed's transistor count is the GA's starting point.
  EXPECT_EQ(r.stage("synth")["metrics"]["transistors"].get<double>(), ga["seed_transistors"].get<double>());
  for (const char* s : {"sta_exact", "sta_evolved"}) EXPECT_GT(r.stage(s)["metrics"]["critical_path_ns"].get<double>(), 0) << s;

  // The evolved netlist is lint-clean with the cell models.
  const fs::path netlist = r.dir / "ga" / "out" / "netlist.v";
  if (std::system("command -v verilator >/dev/null 2>&1") == 0) {
    const std::string cmd = "verilator --lint-only -Wall --top-module mult8x8s " + kSource + "/cells/flowrun_cells.v " +
                            netlist.string() + " >" + (r.dir / "lint.log").string() + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(r.dir / "lint.log");
    EXPECT_EQ(slurp(r.dir / "lint.log"), "");
  }

  // The evolved netlist, read back with flowrun_gates, computes its LUT.
  const auto lib = flowrun::liberty::read_liberty(kSource + "/cells/flowrun_cells.lib");
  const auto nl = flowrun::gates::read_netlist(r.dir / "ga" / "out" / "netlist.v", lib, {{"a", 8}, {"b", 8}, {"y", 16}});
  const auto y = flowrun::gates::port_values(nl, flowrun::gates::simulate(nl), "y", true);
  std::ifstream csv(r.dir / "ga" / "out" / "lut" / "lut.csv");
  std::size_t k = 0;
  for (std::string row; std::getline(csv, row);) {
    std::stringstream cells(row);
    for (std::string v; std::getline(cells, v, ',');) {
      ASSERT_LT(k, y.size());
      ASSERT_EQ(std::stoll(v), y[k]) << "entry " << k;
      ++k;
    }
  }
  EXPECT_EQ(k, 65536u);

  // verify.lut on the same simulated table with a doctored metrics.json and
  // a doctored LUT must fail, naming what differs.
  const fs::path bad = r.dir / "doctored";
  fs::create_directories(bad / "lut");
  json m = json::parse(slurp(r.dir / "ga" / "out" / "metrics.json"));
  m["nmed"] = m["nmed"].get<double>() * 0.9 + 1e-9;
  std::ofstream(bad / "metrics.json") << m.dump();
  fs::copy(r.dir / "ga" / "out" / "lut" / "lut.csv", bad / "lut" / "lut.csv");
  std::ofstream(bad / "verify_metrics.yaml")
      << "name: doctored_metrics\nstages:\n  verify:\n    uses: verify.lut\n    inputs: {results: "
      << (r.dir / "sim_evolved" / "out" / "results").string() << ", lut: " << (bad / "lut").string()
      << ", metrics: " << (bad / "metrics.json").string() << "}\n";
  FlowRun v = run_flowrun((bad / "verify_metrics.yaml").string(), "doctored_metrics");
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.stage("verify")["error"].get<std::string>().find("nmed reported"), std::string::npos) << v.output;

  std::string lut = slurp(bad / "lut" / "lut.csv");
  const auto comma = lut.find(',');
  lut.insert(comma, "1");  // the first entry (a=0, b=0) becomes "01" = 1
  std::ofstream(bad / "lut" / "lut.csv") << lut;
  std::ofstream(bad / "metrics.json") << slurp(r.dir / "ga" / "out" / "metrics.json");
  std::ofstream(bad / "verify_lut.yaml")
      << "name: doctored_lut\nstages:\n  verify:\n    uses: verify.lut\n    inputs: {results: "
      << (r.dir / "sim_evolved" / "out" / "results").string() << ", lut: " << (bad / "lut").string()
      << ", metrics: " << (bad / "metrics.json").string() << "}\n";
  v = run_flowrun((bad / "verify_lut.yaml").string(), "doctored_lut");
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.stage("verify")["error"].get<std::string>().find("simulated products differ from the LUT"),
            std::string::npos)
      << v.output;
}
