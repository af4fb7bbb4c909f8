// End-to-end tests of flows/decoder.yaml through the real flowrun program:
// every stage of the decoder flow runs (data set, training, quantization,
// RTL, testbench, RTL and gate-level simulation, synthesis, timing,
// equivalence) and report.json carries the numbers users rely on.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct FlowRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
  json report;         // null when report.json was not written
};

// A fresh folder with a site configuration whose cache is private, so the
// first run really runs and a repeat is served from this cache only.
class DecoderFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() / ("flowrun_decoder_e2e_" + std::string(info->name()) + "_" +
                                         std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    std::ofstream(root_ / "site.yaml") << "cache_dir: " << (root_ / "cache").string() << "\n";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }

  FlowRun flowrun(const std::string& args, const std::string& run_dir) {
    const fs::path out = root_ / "output.txt";
    const std::string cmd = "FLOWRUN_SITE='" + (root_ / "site.yaml").string() + "' '" FLOWRUN_BIN "' " + args +
                            " > '" + out.string() + "' 2>&1";
    FlowRun r;
    const int status = std::system(cmd.c_str());
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    r.output = ss.str();
    const fs::path report = fs::path(run_dir) / "report.json";
    if (fs::exists(report)) r.report = json::parse(std::ifstream(report));
    return r;
  }

  fs::path root_;
};

double metric(const json& report, const std::string& stage, const std::string& name) {
  const json& m = report.at("stages").at(stage).at("metrics");
  if (!m.contains(name)) {
    ADD_FAILURE() << "stage " << stage << " has no metric " << name << ": " << m.dump();
    return std::nan("");
  }
  return m.at(name).get<double>();
}

const char* kFlow = FLOWRUN_SOURCE_DIR "/flows/decoder.yaml";

// Smaller than the defaults so the test stays fast: 2000 eval frames, all
// simulated in RTL (Icarus Verilog) and at gate level (Verilator).
const std::string kSmall = " --set data.train_sequences=3 --set data.eval_sequences=2";

}  // namespace

TEST_F(DecoderFlow, RunsEveryStageAndMeetsTheTargetsThenRunsFromCache) {
  // tests/report opens this run's report.html in a browser rather than run
  // the flow again: with FLOWRUN_E2E_KEEP_DIR the run is made (and kept) there.
  const char* keep = std::getenv("FLOWRUN_E2E_KEEP_DIR");
  const std::string run1 = keep && *keep ? (fs::path(keep) / "decoder").string() : (root_ / "run1").string();
  fs::remove_all(run1);
  const FlowRun r = flowrun(std::string("run ") + kFlow + " --run-dir " + run1 + kSmall, run1);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.report.is_object()) << r.output;
  const json& rep = r.report;
  EXPECT_EQ(rep["status"], "ok");
  for (const char* s : {"data", "train", "quantize", "rtl", "testbench", "sim_rtl", "synth", "sim_gates",
                        "sta", "equiv"}) {
    ASSERT_TRUE(rep["stages"].contains(s)) << s;
    EXPECT_EQ(rep["stages"][s]["status"], "ok") << s << ": " << rep["stages"][s].dump();
  }
  EXPECT_EQ(rep["stages"].size(), 10u);

  EXPECT_EQ(metric(rep, "data", "eval_frames"), 2000);
  EXPECT_GE(metric(rep, "train", "eval_accuracy"), 0.97);
  EXPECT_GE(metric(rep, "train", "eval_auroc"), 0.99);
  EXPECT_LE(metric(rep, "quantize", "accuracy_loss"), 0.005);
  EXPECT_GE(metric(rep, "quantize", "agreement"), 0.995);
  EXPECT_EQ(metric(rep, "sim_rtl", "mismatches"), 0);
  EXPECT_EQ(metric(rep, "sim_rtl", "vectors"), 2000);
  EXPECT_EQ(metric(rep, "sim_gates", "mismatches"), 0);
  EXPECT_GE(metric(rep, "sim_gates", "vectors"), 2000);
  EXPECT_EQ(metric(rep, "sim_gates", "vectors"), metric(rep, "sim_rtl", "vectors"));
  EXPECT_EQ(metric(rep, "equiv", "proven"), 1);
  EXPECT_GT(metric(rep, "synth", "area"), 0);
  const double fmax = metric(rep, "sta", "fmax_mhz");
  EXPECT_TRUE(std::isfinite(fmax) && fmax > 0) << fmax;

  // The artifacts are where report.json says.
  EXPECT_TRUE(fs::exists(fs::path(run1) / "train" / "out" / "model.json"));
  EXPECT_TRUE(fs::exists(fs::path(run1) / "data" / "out" / "dataset.csv"));

  // Same flow, same params: every stage comes from the cache.
  const std::string run2 = (root_ / "run2").string();
  const FlowRun again = flowrun(std::string("run ") + kFlow + " --run-dir " + run2 + kSmall, run2);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (auto it = again.report["stages"].begin(); it != again.report["stages"].end(); ++it)
    EXPECT_EQ(it.value()["status"], "cached") << it.key();
  EXPECT_EQ(again.report["stages"]["train"]["metrics"], rep["stages"]["train"]["metrics"]);
  EXPECT_EQ(again.report["stages"]["sim_gates"]["metrics"]["mismatches"], 0);
}

TEST_F(DecoderFlow, HistoryZeroIsRejectedBeforeAnythingRuns) {
  const std::string run = (root_ / "run").string();
  const FlowRun r = flowrun(std::string("run ") + kFlow + " --run-dir " + run + " --set train.history=0", run);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("history"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(fs::path(run) / "data" / "out")) << r.output;
  EXPECT_FALSE(fs::exists(fs::path(run) / "train" / "out")) << r.output;
}

// A user's own recording: bad files fail the data stage with the place of
// the problem, and nothing downstream runs or leaves outputs.
TEST_F(DecoderFlow, BadRecordingsFailWithFileLineColumn) {
  struct Case {
    const char* name;
    const char* text;
    const char* message;
  };
  const std::string head = "time,cell_a,cell_b,label\n";
  const Case cases[] = {
      {"non_numeric", "time,cell_a,cell_b,label\n0,0.1,0.2,0\n1,0.1,abc,1\n",
       "recording.csv:3:7: expected a number in ROI column 'cell_b', got 'abc'"},
      {"ragged", "time,cell_a,cell_b,label\n0,0.1,0.2,0\n1,0.1,1\n",
       "recording.csv:3:7: ragged row: expected 4 cells as in the header, got 3"},
      {"nan", "time,cell_a,cell_b,label\n0,NaN,0.2,0\n", "recording.csv:2:3: expected a finite number, got 'NaN'"},
      {"label", "time,cell_a,cell_b,label\n0,0.1,0.2,0\n1,0.1,0.2,3\n",
       "recording.csv:3:11: expected a label 0 or 1, got '3'"},
      {"empty", "", "recording.csv: empty file"},
      {"no_label", "time,cell_a,cell_b\n0,0.1,0.2\n", "recording.csv:1:1: no column 'label' in the header"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path dir = root_ / c.name;
    fs::create_directories(dir);
    std::ofstream(dir / "recording.csv") << c.text;
    std::ofstream(dir / "flow.yaml") << "name: own_recording\n"
                                        "stages:\n"
                                        "  data:\n"
                                        "    uses: dataset.csv\n"
                                        "    with: {ignore_columns: [time]}\n"
                                        "    inputs: {recording: recording.csv}\n"
                                        "  train:\n"
                                        "    uses: trainer.logistic\n"
                                        "    inputs: {dataset: data.dataset}\n";
    const std::string run = (dir / "run").string();
    const FlowRun r = flowrun("run " + (dir / "flow.yaml").string() + " --run-dir " + run, run);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    ASSERT_TRUE(r.report.is_object()) << r.output;
    EXPECT_EQ(r.report["status"], "failed");
    const json& data = r.report["stages"]["data"];
    EXPECT_EQ(data["status"], "failed");
    const std::string error = data.value("error", "");
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
    EXPECT_NE(r.report["stages"]["train"]["status"], "ok");
    EXPECT_FALSE(fs::exists(fs::path(run) / "data" / "out" / "dataset.csv"));
    EXPECT_FALSE(fs::exists(fs::path(run) / "train" / "out" / "model.json"));
  }
}

TEST_F(DecoderFlow, GoodRecordingTrainsThroughTheFlow) {
  // Re-uses the CSV path of the flow with a clean recording: two sequences
  // in one file, with a time column to ignore.
  std::string text = "trial,time,cell_a,cell_b,label\n";
  for (int k = 0; k < 2; ++k)
    for (int t = 0; t < 200; ++t) {
      const int label = (t / 25) % 2;
      const double a = label ? 1.0 + 0.3 * std::sin(t) : 0.2 * std::cos(t);
      const double b = label ? 0.1 * std::sin(3 * t) : 0.8 + 0.2 * std::sin(t);
      text += "s" + std::to_string(k) + "," + std::to_string(t * 0.05) + "," + std::to_string(a) + "," +
              std::to_string(b) + "," + std::to_string(label) + "\n";
    }
  std::ofstream(root_ / "recording.csv") << text;
  std::ofstream(root_ / "flow.yaml") << "stages:\n"
                                        "  data:\n"
                                        "    uses: dataset.csv\n"
                                        "    with: {sequence_column: trial, ignore_columns: [time], eval_fraction: 0.25}\n"
                                        "    inputs: {recording: recording.csv}\n"
                                        "  train:\n"
                                        "    uses: trainer.logistic\n"
                                        "    with: {history: 2}\n"
                                        "    inputs: {dataset: data.dataset}\n";
  const std::string run = (root_ / "run").string();
  const FlowRun r = flowrun("run " + (root_ / "flow.yaml").string() + " --run-dir " + run, run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(metric(r.report, "data", "sequences"), 2);
  EXPECT_EQ(metric(r.report, "data", "eval_frames"), 100);
  EXPECT_EQ(metric(r.report, "data", "rois"), 2);
  EXPECT_GE(metric(r.report, "train", "eval_accuracy"), 0.95);
}
