// flows/fashion_cnn.yaml run by the real flowrun program, checked through
// report.json and the artifacts:
//  - a reduced configuration (500 training images, 1 epoch, 20 test images,
//    a small network, F = 2) through every stage: RTL simulation of every
//    test image in Verilator (two shards) and a subset in Icarus, synthesis
//    with the SRAMs as macros, timing, and gate-level simulation; every logit
//    bit-exact, latencies as rtl.cnn computed them;
//  - the issue's second network (5x5 kernels, 8 and 24 channels, stride 2
//    instead of pooling, two hidden dense layers) at F = 4 through the same flow with
//    nothing but --set, bit-exact in RTL simulation.
// Both runs share one cache folder, so the Fashion-MNIST files are read once.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct FlowRun {
  int exit_code = -1;
  std::string output;
  json report;
  fs::path dir;
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

FlowRun run_fashion(const std::string& name, const std::vector<std::string>& sets) {
  FlowRun r;
  r.dir = fs::path(CNN_FLOW_TMP) / name;
  fs::remove_all(r.dir);
  std::string cmd = std::string(FLOWRUN_BIN) + " run " + CNN_FLOWS_DIR + "/fashion_cnn.yaml -j 2 --cache-dir " +
                    quoted((fs::path(CNN_FLOW_TMP) / "cache").string()) + " --run-dir " + quoted(r.dir.string());
  for (const auto& s : sets) cmd += " --set " + quoted(s);
  cmd += " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = ::pclose(p);
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

// A metric, or NaN when the stage did not report it (every comparison fails).
double metric(const FlowRun& r, const std::string& st, const std::string& m) {
  const json& s = stage(r, st);
  if (!s.contains("metrics") || !s["metrics"].contains(m) || !s["metrics"][m].is_number()) return std::nan("");
  return s["metrics"][m].get<double>();
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in, nullptr, false);
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The reduced data, training and quantization every run here uses.
std::vector<std::string> reduced(int test_images) {
  return {"data.train_subset=500",
          "data.test_subset=" + std::to_string(test_images),
          "train.epochs=1",
          "quantize.calibration_images=100",
          "quantize.multiplier_bits=8",
          "sim_rtl.optimize=false",  // the -O0 build: quicker for 20 images
          "testbench_subset.max_images=1",
          "testbench_gates.max_images=1"};
}

constexpr int kTestImages = 20;

TEST(FashionCnnFlow, ReducedThroughEveryStageBitExact) {
  auto sets = reduced(kTestImages);
  sets.push_back(R"(train.layers=["conv2d 4 kernel=3 stride=2 padding=1", "relu", "maxpool 2", "flatten", "dense 10"])");
  sets.push_back("rtl.banking=2");
  const FlowRun r = run_fashion("reduced", sets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"data", "train", "quantize", "rtl", "testbench", "testbench_subset", "testbench_gates",
                        "sim_rtl", "sim_icarus", "synth", "sta", "sim_gates"})
    EXPECT_TRUE(stage(r, s).value("status", "") == "ok" || stage(r, s).value("status", "") == "cached")
        << s << "\n" << r.output;

  // Data and models: the reduced sizes, accuracies as fractions.
  EXPECT_EQ(metric(r, "data", "test_images"), kTestImages);
  EXPECT_EQ(metric(r, "train", "epochs"), 1);
  for (const char* m : {"int8_test_accuracy", "float_test_accuracy", "agreement"}) {
    EXPECT_GE(metric(r, "quantize", m), 0.0) << m;
    EXPECT_LE(metric(r, "quantize", m), 1.0) << m;
  }
  EXPECT_GE(metric(r, "train", "test_accuracy"), 0.0);

  // The accelerator: F = 2 lanes, its exact latency.
  const double latency = metric(r, "rtl", "latency_cycles");
  EXPECT_EQ(metric(r, "rtl", "mac_units"), 2);
  EXPECT_GT(latency, 784);  // at least the pixels of one image
  const json design = read_json(r.dir / "rtl" / "out" / "verilog" / "design.json");
  ASSERT_TRUE(design.is_object());
  EXPECT_EQ(design["latency_cycles"].get<double>(), latency);

  // Every test image at RTL in Verilator, two shards: every logit, the class
  // and the latency of every image; counts summed over the shards, the
  // per-image latency not.
  EXPECT_EQ(metric(r, "testbench", "vectors"), kTestImages);
  EXPECT_EQ(metric(r, "sim_rtl", "vectors"), kTestImages);
  EXPECT_EQ(metric(r, "sim_rtl", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "logit_mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "latency_mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "shards"), 2);
  EXPECT_EQ(metric(r, "sim_rtl", "cycles_per_image"), latency);
  EXPECT_EQ(metric(r, "sim_rtl", "expected_cycles_per_image"), latency);
  EXPECT_TRUE(std::isnan(metric(r, "sim_rtl", "shard")));  // an index, not merged
  // The simulated classes are the integer model's: as many correct as it predicts.
  EXPECT_NEAR(metric(r, "sim_rtl", "correct"), metric(r, "testbench", "expected_accuracy") * kTestImages, 1e-6);
  const std::string summary = file_text(r.dir / "sim_rtl" / "out" / "summary.json");
  EXPECT_EQ(summary.find(r.dir.string()), std::string::npos) << "summary.json holds an absolute path";

  // Icarus (4-state: an x in a logit is a mismatch) on the subset.
  EXPECT_EQ(metric(r, "sim_icarus", "vectors"), 1);
  EXPECT_EQ(metric(r, "sim_icarus", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_icarus", "cycles_per_image"), latency);

  // Synthesis: every SRAM bank a macro, priced; the metrics file gathering
  // stages read says the same as the report.
  const double banks = metric(r, "rtl", "memory_banks");
  EXPECT_EQ(metric(r, "synth", "macros"), banks);
  EXPECT_GT(metric(r, "synth", "macro_area"), 0);
  EXPECT_GT(metric(r, "synth", "logic_area"), 0);
  EXPECT_GT(metric(r, "synth", "sequential_cells"), 0);
  const json synth_metrics = read_json(r.dir / "synth" / "out" / "metrics.json");
  ASSERT_TRUE(synth_metrics.is_object());
  EXPECT_EQ(synth_metrics["macros"].get<double>(), banks);
  EXPECT_DOUBLE_EQ(synth_metrics["logic_area"].get<double>(), metric(r, "synth", "logic_area"));
  const std::string netlist = file_text(r.dir / "synth" / "out" / "netlist.v");
  EXPECT_NE(netlist.find("cnn_accel_image_b0 "), std::string::npos) << "the image buffer is not a macro instance";

  // Timing and power through the macros.
  EXPECT_GT(metric(r, "sta", "fmax_mhz"), 10);
  EXPECT_GT(metric(r, "sta", "power_mw"), 0);
  EXPECT_EQ(metric(r, "sta", "clock_period_ns"), 10);

  // The synthesized netlist, gate level, with the SRAM models: bit-exact.
  EXPECT_EQ(metric(r, "sim_gates", "vectors"), 1);
  EXPECT_EQ(metric(r, "sim_gates", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_gates", "cycles_per_image"), latency);
  const json gates = read_json(r.dir / "sim_gates" / "out" / "summary.json");
  EXPECT_EQ(gates.value("gate_level", false), true);
}

TEST(FashionCnnFlow, SecondNetworkOnlyTheFlowDiffers) {
  const std::vector<std::string> net = {"conv2d 8 kernel=5 stride=2 padding=2", "relu", "conv2d 24 kernel=5 stride=2",
                                        "relu", "flatten", "dense 64", "relu", "dense 32", "relu", "dense 10"};
  auto sets = reduced(kTestImages);
  sets.push_back("train.layers=" + json(net).dump());
  sets.push_back("rtl.banking=4");
  const FlowRun r = run_fashion("second_net", sets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The compiled design is the second network: 5 MAC layers, no pooling.
  const json design = read_json(r.dir / "rtl" / "out" / "verilog" / "design.json");
  ASSERT_TRUE(design.is_object());
  const std::string layers = design["network"].dump();
  EXPECT_NE(layers.find("conv2d 24 kernel=5 stride=2"), std::string::npos) << layers;
  EXPECT_EQ(layers.find("maxpool"), std::string::npos) << layers;
  EXPECT_EQ(metric(r, "rtl", "mac_units"), 4);
  EXPECT_GT(metric(r, "rtl", "cycles_dense3"), 0);
  // Bit-exact at RTL on every test image, and on the subsets.
  const double latency = metric(r, "rtl", "latency_cycles");
  EXPECT_EQ(metric(r, "sim_rtl", "vectors"), kTestImages);
  EXPECT_EQ(metric(r, "sim_rtl", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "logit_mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_rtl", "cycles_per_image"), latency);
  EXPECT_EQ(metric(r, "sim_icarus", "mismatches"), 0);
  EXPECT_EQ(metric(r, "sim_gates", "mismatches"), 0);
  // The data stage came from the cache of the first run when it ran first.
  for (const char* s : {"synth", "sta", "sim_gates"})
    EXPECT_TRUE(stage(r, s).value("status", "") == "ok" || stage(r, s).value("status", "") == "cached") << s;
}

}  // namespace
