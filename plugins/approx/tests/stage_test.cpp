// approx.ga through the flowrun program: outputs, formats, determinism and
// messages for bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

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
};

// Runs `flowrun run FLOW --run-dir DIR [--set ...]`, capturing its output.
FlowRun flowrun(const std::string& flow, const std::string& name, const std::string& sets = "") {
  FlowRun r;
  r.dir = fs::temp_directory_path() / ("approx_stage_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(r.dir);
  const std::string cmd = std::string(FLOWRUN_BIN) + " run " + flow + " --run-dir " + r.dir.string() +
                          " --no-cache " + sets + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) r.output += buf;
  const int status = pipe ? pclose(pipe) : -1;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kData = FLOWRUN_APPROX_TEST_DATA;

TEST(ApproxGaStage, WritesNetlistLutMetricsAndEvolution) {
  const FlowRun r = flowrun(kData + "/ga_4x4.yaml", "outputs");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path out = r.dir / "ga" / "out";
  const json m = json::parse(slurp(out / "metrics.json"));
  for (const char* k : {"er", "med", "nmed", "wce", "wce_abs", "mre", "smape", "mse", "transistors", "cells", "area",
                        "seed_transistors", "transistor_ratio", "generations", "evaluations",
                        "evaluations_full", "evaluations_incremental", "evaluations_early_rejected",
                        "evaluations_skipped_inactive"}) {
    EXPECT_TRUE(m.contains(k)) << k;
  }
  EXPECT_LE(m["wce"].get<double>(), 0.05);
  EXPECT_LT(m["transistors"].get<double>(), m["seed_transistors"].get<double>());
  EXPECT_EQ(m["generations"].get<int>(), 4000);
  // Times are stage metrics (report.json), not part of the artifact.
  EXPECT_FALSE(m.contains("seconds"));
  EXPECT_FALSE(m.contains("evaluations_per_second"));
  const json stage_metrics = json::parse(slurp(r.dir / "report.json"))["stages"]["ga"]["metrics"];
  EXPECT_GT(stage_metrics["seconds"].get<double>(), 0);
  EXPECT_GT(stage_metrics["evaluations_per_second"].get<double>(), 0);

  // lut.csv: 16 rows x 16 columns; lut.bin: the same values as int16.
  std::istringstream csv(slurp(out / "lut" / "lut.csv"));
  std::string line;
  std::vector<long> values;
  int rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    std::istringstream ls(line);
    std::string cell;
    int cols = 0;
    while (std::getline(ls, cell, ',')) {
      values.push_back(std::stol(cell));
      ++cols;
    }
    EXPECT_EQ(cols, 16);
  }
  EXPECT_EQ(rows, 16);
  const std::string bin = slurp(out / "lut" / "lut.bin");
  ASSERT_EQ(bin.size(), values.size() * 2);
  long max_err = 0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const auto v = static_cast<std::int16_t>(static_cast<unsigned char>(bin[2 * k]) |
                                             (static_cast<unsigned char>(bin[2 * k + 1]) << 8));
    EXPECT_EQ(v, values[k]);
    const long exact = static_cast<long>(k / 16) * static_cast<long>(k % 16);
    max_err = std::max(max_err, std::labs(values[k] - exact));
  }
  EXPECT_EQ(max_err, m["wce_abs"].get<long>());

  const std::string v = slurp(out / "netlist.v");
  EXPECT_NE(v.find("approx.ga"), std::string::npos);
  EXPECT_NE(v.find("sha256"), std::string::npos);
  EXPECT_NE(v.find("module mult4u"), std::string::npos);
  const std::string evo = slurp(out / "evolution.csv");
  EXPECT_EQ(evo.rfind("generation,best_cost,best_wce,eps,gates\n", 0), 0u);
  fs::remove_all(r.dir);
}

TEST(ApproxGaStage, SameSeedIslandsAndGenerationsGiveByteIdenticalNetlists) {
  const FlowRun a = flowrun(kData + "/ga_4x4.yaml", "det_a");
  const FlowRun b = flowrun(kData + "/ga_4x4.yaml", "det_b");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(slurp(a.dir / "ga/out/netlist.v"), slurp(b.dir / "ga/out/netlist.v"));
  EXPECT_EQ(slurp(a.dir / "ga/out/lut/lut.bin"), slurp(b.dir / "ga/out/lut/lut.bin"));
  // The island count decides the result, not the threads they run on.
  const int islands = json::parse(slurp(a.dir / "ga/out/metrics.json"))["islands"].get<int>();
  ASSERT_GE(islands, 2);
  const FlowRun c = flowrun(kData + "/ga_4x4.yaml", "det_c",
                            "--set ga.islands=" + std::to_string(islands) + " --set ga.threads=1");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_EQ(slurp(a.dir / "ga/out/netlist.v"), slurp(c.dir / "ga/out/netlist.v"));
  fs::remove_all(a.dir);
  fs::remove_all(b.dir);
  fs::remove_all(c.dir);
}

TEST(ApproxGaStage, SubstitutionRateFollowsTheBoundUnlessGiven) {
  // ga_4x4.yaml bounds WCE at 5 %: substitutions on by default.
  const FlowRun loose = flowrun(kData + "/ga_4x4.yaml", "sub_loose");
  const FlowRun tight = flowrun(kData + "/ga_4x4.yaml", "sub_tight", "--set ga.eps_end=0.005");
  const FlowRun given = flowrun(kData + "/ga_4x4.yaml", "sub_given", "--set ga.substitute_rate=0.05");
  for (const FlowRun* r : {&loose, &tight, &given}) ASSERT_EQ(r->exit_code, 0) << r->output;
  auto rate = [](const FlowRun& r) {
    return json::parse(slurp(r.dir / "ga/out/metrics.json"))["substitute_rate"].get<double>();
  };
  EXPECT_EQ(rate(loose), 0.2);
  EXPECT_EQ(rate(tight), 0.0);
  EXPECT_EQ(rate(given), 0.05);
  EXPECT_NE(slurp(loose.dir / "ga/out/netlist.v").find("substitute_rate_used=0.2"), std::string::npos);
  for (const FlowRun* r : {&loose, &tight, &given}) fs::remove_all(r->dir);
}

TEST(ApproxGaStage, RemapsWithYosysOntoTheSameCells) {
  const FlowRun r = flowrun(kData + "/ga_4x4.yaml", "remap", "--set ga.remap_every=1000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json m = json::parse(slurp(r.dir / "ga/out/metrics.json"));
  EXPECT_GE(m["remaps"].get<int>(), 2);  // two islands, at least the last re-mapping each
  EXPECT_EQ(m["remaps_wrong"].get<int>(), 0);  // ABC keeps the function
  EXPECT_GE(m["remaps_adopted"].get<int>(), 1);
  EXPECT_LE(m["wce"].get<double>(), 0.05);
  // The latest re-mapping stays readable in the work folder; the library
  // prices cells in transistors (NAND2: 4).
  const fs::path work = r.dir / "ga" / "work" / "remap";
  EXPECT_NE(slurp(work / "remap_cells.lib").find("cell (NAND2) {\n    area : 4;"), std::string::npos);
  for (const char* f : {"in.v", "remap.ys", "out.v"}) EXPECT_TRUE(fs::exists(work / "island0" / f)) << f;
  fs::remove_all(r.dir);

  const FlowRun off = flowrun(kData + "/ga_4x4.yaml", "remap_off", "--set ga.remap_every=0");
  ASSERT_EQ(off.exit_code, 0) << off.output;
  EXPECT_EQ(json::parse(slurp(off.dir / "ga/out/metrics.json"))["remaps"].get<int>(), 0);
  EXPECT_FALSE(fs::exists(off.dir / "ga" / "work" / "remap"));
  fs::remove_all(off.dir);
}

TEST(ApproxGaStage, WithoutYosysTheMessageSaysHowToTurnRemappingOff) {
  const fs::path site = fs::temp_directory_path() / ("approx_site_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(site) << "tools:\n  yosys: /nonexistent/bin/yosys\n";
  ::setenv("FLOWRUN_SITE", site.c_str(), 1);
  // A minute's search that would be lost if yosys were looked for at its end.
  const auto t0 = std::chrono::steady_clock::now();
  const FlowRun r = flowrun(kData + "/ga_4x4.yaml", "no_yosys", "--set ga.generations=0 --set ga.time_budget_s=60");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::unsetenv("FLOWRUN_SITE");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("yosys"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("remap_every: 0"), std::string::npos) << r.output;
  EXPECT_LT(seconds, 30);  // found out before the search, not after it
  fs::remove(site);
  fs::remove_all(r.dir);
}

TEST(ApproxGaStage, RandomInitReachesALooseBound) {
  const FlowRun r = flowrun(kData + "/ga_4x4.yaml", "random",
                            "--set ga.init=random --set ga.random_gates=60 --set ga.eps_end=0.45 --set ga.generations=3000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json m = json::parse(slurp(r.dir / "ga/out/metrics.json"));
  EXPECT_LE(m["wce"].get<double>(), 0.45);
  fs::remove_all(r.dir);
}

TEST(ApproxGaStage, NoGenerationCapRunsForTheTimeBudgetAndNeedsOne) {
  // generations 0 = no cap: the time budget alone ends the run.
  const FlowRun timed = flowrun(kData + "/ga_4x4.yaml", "uncapped", "--set ga.generations=0 --set ga.time_budget_s=1.5");
  ASSERT_EQ(timed.exit_code, 0) << timed.output;
  const json m = json::parse(slurp(timed.dir / "report.json"))["stages"]["ga"]["metrics"];
  EXPECT_GE(m["seconds"].get<double>(), 1.5);
  EXPECT_GT(m["generations"].get<double>(), 4000);
  fs::remove_all(timed.dir);
  // Without either it would never stop: a clear stage error instead.
  const FlowRun endless = flowrun(kData + "/ga_4x4.yaml", "endless", "--set ga.generations=0");
  EXPECT_EQ(endless.exit_code, 1) << endless.output;
  EXPECT_NE(endless.output.find("needs a time_budget_s"), std::string::npos) << endless.output;
  fs::remove_all(endless.dir);
  // A budget cut short by the cap is pointed out in the stage log.
  const FlowRun capped = flowrun(kData + "/ga_4x4.yaml", "capped", "--set ga.time_budget_s=3600");
  ASSERT_EQ(capped.exit_code, 0) << capped.output;
  EXPECT_NE(slurp(capped.dir / "ga/log.txt").find("stopped at the generation cap"), std::string::npos);
  fs::remove_all(capped.dir);
}

TEST(ApproxGaStage, RejectsANetlistWithWrongPortWidths) {
  const FlowRun r = flowrun(kData + "/ga_4x4.yaml", "widths", "--set ga.a_width=5");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("mult4u_seed.v"), std::string::npos) << r.output;
  fs::remove_all(r.dir);
}

TEST(ApproxGaStage, RejectsABrokenNetlistNamingFileAndLine) {
  const fs::path dir = fs::temp_directory_path() / ("approx_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string text = slurp(kData + "/mult4u_seed.v");
  const auto pos = text.find("XOR2");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 4, "XQR9");
  std::ofstream(dir / "bad.v") << text;
  std::string flow = slurp(kData + "/ga_4x4.yaml");
  flow.replace(flow.find("mult4u_seed.v"), 13, (dir / "bad.v").string());
  flow.replace(flow.find("../../../../cells"), 17, std::string(FLOWRUN_CELLS_DIR));
  std::ofstream(dir / "flow.yaml") << flow;
  const FlowRun r = flowrun((dir / "flow.yaml").string(), "bad");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad.v:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("XQR9"), std::string::npos) << r.output;
  fs::remove_all(dir);
  fs::remove_all(r.dir);
}


// A seed as a user brings it: module mult_8bits, ports A, B, OUT, unsigned,
// on a PDK-shaped library without flowrun_transistors.
TEST(ApproxGaStage, TakesAUserSeedWithItsOwnPortsModuleAndLibrary) {
  const FlowRun r = flowrun(kData + "/ga_pdk.yaml", "pdk");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path out = r.dir / "ga" / "out";
  const json m = json::parse(slurp(out / "metrics.json"));
  EXPECT_EQ(m["cost_model"], "area");
  EXPECT_FALSE(m.contains("transistors"));  // unknown, not 0
  EXPECT_FALSE(m.contains("transistor_ratio"));
  EXPECT_GT(m["seed_cost"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(m["seed_cost"].get<double>(), m["seed_area"].get<double>());
  EXPECT_LT(m["cost_ratio"].get<double>(), 1.0);
  EXPECT_NEAR(m["cost_ratio"].get<double>(), m["area"].get<double>() / m["seed_area"].get<double>(), 1e-12);
  EXPECT_LE(m["wce"].get<double>(), 0.01);
  const std::string v = slurp(out / "netlist.v");
  EXPECT_NE(v.find("module mult_8bits"), std::string::npos) << v.substr(0, 2000);
  EXPECT_NE(v.find("input  [7:0] A;"), std::string::npos);
  EXPECT_NE(v.find("input  [7:0] B;"), std::string::npos);
  EXPECT_NE(v.find("output [15:0] OUT;"), std::string::npos);
  EXPECT_NE(slurp(r.dir / "ga" / "log.txt").find("cost: auto -> area"), std::string::npos);
  // lut.bin of an unsigned 8x8 multiplier holds products above 32767 as uint16.
  const std::string bin = slurp(out / "lut" / "lut.bin");
  ASSERT_EQ(bin.size(), 131072u);
  const auto last = static_cast<unsigned>(static_cast<unsigned char>(bin[131070])) |
                    static_cast<unsigned>(static_cast<unsigned char>(bin[131071])) << 8;
  EXPECT_GT(last, 60000u);  // about 255 * 255 = 65025
  // Wrong names: one message naming the port and listing what is there.
  const FlowRun bad = flowrun(kData + "/ga_pdk.yaml", "pdk_bad", "--set ga.y_port=Y");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("no port 'Y'"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("output OUT[16]"), std::string::npos) << bad.output;
  fs::remove_all(r.dir);
  fs::remove_all(bad.dir);
}

// An operand distribution (counts.csv as profile.operands writes it) and a
// bound on the weighted mean error: the result meets it and reports wmed.
TEST(ApproxGaStage, WeightedMeanErrorBoundFromOperandCounts) {
  const fs::path dir = fs::temp_directory_path() / ("approx_weights_" + std::to_string(::getpid()));
  fs::create_directories(dir / "counts");
  {
    std::ofstream csv(dir / "counts" / "counts.csv");
    for (int a = 0; a < 16; ++a) {
      for (int b = 0; b < 16; ++b) csv << (b ? "," : "") << (a < 4 ? 1000 : 3) * (16 - b);
      csv << "\n";
    }
    std::ofstream(dir / "counts" / "counts.json") << R"({"format": "flowrun.operand_counts/1", "mapping": "sign_magnitude"})";
  }
  std::string flow = slurp(kData + "/ga_4x4.yaml");
  flow.replace(flow.find("mult4u_seed.v"), 13, kData + "/mult4u_seed.v");
  flow.replace(flow.find("../../../../cells"), 17, std::string(FLOWRUN_CELLS_DIR));
  flow.replace(flow.find("inputs: {netlist: "), 18, "inputs: {weights: " + (dir / "counts").string() + ", netlist: ");
  std::ofstream(dir / "flow.yaml") << flow;
  const FlowRun r = flowrun((dir / "flow.yaml").string(), "weights", "--set ga.max_wmed=0.004 --set ga.remap_every=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json m = json::parse(slurp(r.dir / "ga" / "out" / "metrics.json"));
  ASSERT_TRUE(m.contains("wmed"));
  EXPECT_LE(m["wmed"].get<double>(), 0.004);
  EXPECT_LT(m["cost_ratio"].get<double>(), 1.0);
  EXPECT_NE(slurp(r.dir / "ga" / "out" / "netlist.v").find("wmed="), std::string::npos);
  // Counts of a signed network do not index this unsigned multiplier.
  std::ofstream(dir / "counts" / "counts.json") << R"({"format": "flowrun.operand_counts/1", "mapping": "signed"})";
  const FlowRun bad = flowrun((dir / "flow.yaml").string(), "weights_bad", "--set ga.max_wmed=0.004");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("counts.json"), std::string::npos) << bad.output;
  fs::remove_all(r.dir);
  fs::remove_all(bad.dir);
  fs::remove_all(dir);
}

}  // namespace
