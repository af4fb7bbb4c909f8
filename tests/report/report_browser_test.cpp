// report.html of real runs in headless Chromium: the page loads with no
// console error and asks for nothing over the network, every plot is drawn
// (a chart with data inside its plot area, a heatmap filling it, a table with
// rows), the flow graph and stage table are there, and every link resolves.
// Screenshots are kept in the test artifacts folder.
#include "headless_chromium.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <chrono>

#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;
using flowrun::test::HeadlessChromium;
using flowrun::test::PageVisit;

namespace {

const fs::path kArtifacts = REPORT_TEST_ARTIFACTS;

struct Command {
  int exit_code = -1;
  std::string output;
};

Command run(const std::string& cmd) {
  Command r;
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  while (pipe && std::fgets(buf, sizeof buf, pipe)) r.output += buf;
  const int status = pipe ? ::pclose(pipe) : -1;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// What the page shows, measured in the page: per plot figure whether its
// chart exists, how much of the canvas is painted, how many data points lie
// inside the plot area and how much of that area is painted (heatmaps), the
// rows of table plots; the graph, the stage rows, the warnings and links.
const char* kProbe = R"JS((() => {
  const plots = [...document.querySelectorAll('figure.plot')].map(f => {
    const c = f.querySelector('canvas');
    const r = {id: f.id, kind: f.getAttribute('data-kind'), drawn: f.getAttribute('data-drawn') === 'true',
               title: (f.querySelector('figcaption b') || {}).textContent || '',
               rows: f.querySelectorAll('table tbody tr').length, ink: 0, points: 0, area_ink: 0};
    if (!c) return r;
    const g = c.getContext('2d'), d = g.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) r.ink++;
    const chart = typeof Chart !== 'undefined' ? Chart.getChart(c) : null;
    if (!chart) return r;
    const a = chart.chartArea;
    chart.data.datasets.forEach((ds, k) => chart.getDatasetMeta(k).data.forEach(e => {
      if (isFinite(e.x) && isFinite(e.y) && e.x >= a.left - 1 && e.x <= a.right + 1 && e.y >= a.top - 1 &&
          e.y <= a.bottom + 1) r.points++;
    }));
    const w = Math.floor(a.right - a.left), h = Math.floor(a.bottom - a.top);
    if (w > 2 && h > 2) {
      const inner = g.getImageData(Math.ceil(a.left) + 1, Math.ceil(a.top) + 1, w - 2, h - 2).data;
      let painted = 0;
      for (let i = 3; i < inner.length; i += 4) if (inner[i] > 0) painted++;
      r.area_ink = painted / (inner.length / 4);
    }
    return r;
  });
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  return {plots, links, title: document.title,
          graph_nodes: document.querySelectorAll('svg.flow-graph .node').length,
          graph_edges: document.querySelectorAll('svg.flow-graph path.edge').length,
          stage_rows: document.querySelectorAll('table.stages tbody tr').length,
          warnings: [...document.querySelectorAll('.warning')].map(w => w.textContent),
          ids: [...document.querySelectorAll('[id]')].map(e => e.id)};
})())JS";

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Opens <run_dir>/report.html, checks everything a reader relies on and keeps
// a screenshot as <artifacts>/<name>.png. Returns the probe.
json check_report_in_browser(HeadlessChromium& browser, const fs::path& run_dir, const std::string& name) {
  const fs::path page = run_dir / "report.html";
  EXPECT_TRUE(fs::exists(page)) << page;
  fs::create_directories(kArtifacts);
  // The whole page, and the page at half size as the pictures in docs/
  // show it (scripts/report-screenshots.sh).
  const PageVisit v = browser.visit(page, kProbe, kArtifacts / (name + ".png"), 1280, std::chrono::milliseconds(300),
                                    kArtifacts / (name + "-small.png"));
  for (const auto& e : v.console_errors) ADD_FAILURE() << name << ": console error: " << e;
  // Self-contained: the page itself is the only thing loaded.
  for (const auto& url : v.requests)
    EXPECT_TRUE(url.rfind("file://", 0) == 0 && url.find("report.html") != std::string::npos)
        << name << ": the page requested " << url;
  const json& p = v.probe;
  EXPECT_TRUE(p["warnings"].empty()) << p["warnings"].dump();
  EXPECT_GT(p["graph_nodes"].get<int>(), 0);
  EXPECT_GT(p["graph_edges"].get<int>(), 0);
  const json report = json::parse(std::ifstream(run_dir / "report.json"));
  EXPECT_EQ(p["stage_rows"].get<size_t>(), report["stages"].size());

  for (const auto& plot : p["plots"]) {
    const std::string what = name + " " + plot["id"].get<std::string>() + " '" + plot["title"].get<std::string>() + "'";
    const std::string kind = plot["kind"].get<std::string>();
    if (kind == "table") {
      EXPECT_GT(plot["rows"].get<int>(), 0) << what;
      continue;
    }
    EXPECT_TRUE(plot["drawn"].get<bool>()) << what;
    EXPECT_GT(plot["ink"].get<int>(), 2000) << what << ": canvas nearly empty";
    if (kind == "heatmap") EXPECT_GT(plot["area_ink"].get<double>(), 0.9) << what << ": heatmap does not fill its area";
    else EXPECT_GT(plot["points"].get<int>(), 0) << what << ": no data point inside the plot area";
  }

  const std::set<std::string> ids(p["ids"].begin(), p["ids"].end());
  for (const auto& l : p["links"]) {
    const std::string href = l.get<std::string>();
    if (href.rfind("#", 0) == 0) {
      EXPECT_TRUE(ids.count(href.substr(1))) << name << ": link " << href << " has no target";
    } else {
      EXPECT_EQ(href.find("://"), std::string::npos) << name << ": link leaves the run directory: " << href;
      EXPECT_TRUE(fs::exists(run_dir / percent_decode(href))) << name << ": link " << href << " resolves to nothing";
    }
  }
  return p;
}

std::multiset<std::string> titles(const json& probe) {
  std::multiset<std::string> t;
  for (const auto& plot : probe["plots"]) t.insert(plot["title"].get<std::string>());
  return t;
}

class ReportInBrowser : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (HeadlessChromium::program().empty()) return;
    browser_ = new HeadlessChromium();
  }
  static void TearDownTestSuite() {
    delete browser_;
    browser_ = nullptr;
  }
  void SetUp() override {
    if (!browser_) GTEST_FAIL() << "no chromium program: install the Debian package chromium (scripts/install-deps.sh)";
  }
  static HeadlessChromium* browser_;
};
HeadlessChromium* ReportInBrowser::browser_ = nullptr;

}  // namespace

// A short approx sweep, run here: GA evolution per island, error maps,
// Pareto fronts, the cell histogram and the critical path.
TEST_F(ReportInBrowser, ShortSweepReportDrawsEveryPlot) {
  const fs::path run_dir = kArtifacts / "approx_report_run";
  fs::remove_all(run_dir);
  const Command r = run(quote(FLOWRUN_BIN) + " run " + quote(REPORT_TEST_FLOWS "/approx_report.yaml") + " --run-dir " +
                        quote(run_dir.string()) + " --no-cache -j 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("report.html"), std::string::npos) << r.output;

  const json p = check_report_in_browser(*browser_, run_dir, "approx_report");
  const auto t = titles(p);
  EXPECT_EQ(t.count("GA evolution: best cost per island"), 2u);
  EXPECT_EQ(t.count("GA evolution: WCE per island"), 2u);
  EXPECT_EQ(t.count("Error map: 4x4 signed"), 2u);
  EXPECT_EQ(t.count("Critical path"), 2u);
  EXPECT_EQ(t.count("Cells by type"), 1u);
  for (const char* e : {"wce", "nmed", "er", "mre"})
    EXPECT_EQ(t.count(std::string("Pareto front: transistors vs ") + e), 1u) << e;
  bool timeline = false;
  for (const auto& plot : p["plots"]) timeline = timeline || plot["kind"] == "timeline";
  EXPECT_TRUE(timeline);

  // `flowrun report` draws the same page again from the run directory.
  const std::string first = [&] {
    std::ifstream in(run_dir / "report.html");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  fs::remove(run_dir / "report.html");
  const Command again = run(quote(FLOWRUN_BIN) + " report " + quote(run_dir.string()));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  std::ifstream in(run_dir / "report.html");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), first);
}

// flows/<flow> run here into <artifacts>/<name>_run with `options` (reduced
// params: --set ..., and --no-cache or a --cache-dir).
fs::path run_flow_here(const std::string& name, const std::string& flow, const std::string& options) {
  const fs::path run_dir = kArtifacts / (name + "_run");
  fs::remove_all(run_dir);
  const Command r = run(quote(FLOWRUN_BIN) + " run " + quote(std::string(FLOWRUN_SOURCE_DIR "/flows/") + flow) +
                        " --run-dir " + quote(run_dir.string()) + " -j 2 " + options);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return run_dir;
}

// The run an e2e test keeps (ctest fixtures) in `kept`, or, when there is
// none, the same flow run here.
fs::path e2e_run(const fs::path& kept, const std::string& name, const std::string& flow, const std::string& sets) {
  if (fs::exists(kept / "report.json")) return kept;
  return run_flow_here(name, flow, "--no-cache " + sets);
}
fs::path e2e_run(const std::string& name, const std::string& flow, const std::string& sets) {
  return e2e_run(fs::path(REPORT_E2E_RUNS) / name, name, flow, sets);
}

// How many stage instances of kind `kind` the run has.
size_t stages_of_kind(const fs::path& run_dir, const std::string& kind) {
  const json report = json::parse(std::ifstream(run_dir / "report.json"));
  size_t n = 0;
  for (const auto& [name, s] : report["stages"].items()) n += s.value("kind", "") == kind;
  return n;
}

// How many instances of `stage` (swept or not) the run has.
size_t instances(const fs::path& run_dir, const std::string& stage) {
  const json report = json::parse(std::ifstream(run_dir / "report.json"));
  size_t n = 0;
  for (const auto& [name, s] : report["stages"].items()) n += name == stage || name.rfind(stage + "[", 0) == 0;
  return n;
}

// flows/approx_mult.yaml, as the arith e2e test runs it (a 10 s GA).
TEST_F(ReportInBrowser, ApproxMultFlowReportDrawsEveryPlot) {
  const fs::path run_dir = e2e_run("approx_mult", "approx_mult.yaml", "--set ga.time_budget_s=10");
  const json p = check_report_in_browser(*browser_, run_dir, "approx_mult");
  const auto t = titles(p);
  EXPECT_EQ(t.count("GA evolution: best cost per island"), 1u);
  EXPECT_EQ(t.count("GA evolution: WCE per island"), 1u);
  EXPECT_EQ(t.count("Error map: 8x8 signed"), 1u);
  EXPECT_EQ(t.count("Critical path"), 2u);
  EXPECT_EQ(t.count("Cells by type"), 1u);
}

// flows/decoder.yaml, as the decoder e2e test runs it (a small data set).
TEST_F(ReportInBrowser, DecoderFlowReportDrawsEveryPlot) {
  const fs::path run_dir =
      e2e_run("decoder", "decoder.yaml", "--set data.train_sequences=3 --set data.eval_sequences=2");
  const json p = check_report_in_browser(*browser_, run_dir, "decoder");
  const auto t = titles(p);
  EXPECT_EQ(t.count("Training curve: log-loss"), 1u);
  EXPECT_EQ(t.count("Training curve: accuracy"), 1u);
  EXPECT_EQ(t.count("Cells by type"), 1u);
  EXPECT_EQ(t.count("Critical path"), 1u);
}

// The reduced data and network of the CNN flows (as the fashion_cnn e2e test
// runs them): 500 training images, one epoch, 20 test images, one conv layer.
const std::string kCnnReduced =
    "--set data.train_subset=500 --set data.test_subset=20 --set train.epochs=1 "
    "--set quantize.calibration_images=100 --set quantize.multiplier_bits=8 "
    "--set 'train.layers=[\"conv2d 4 kernel=3 stride=2 padding=1\", \"relu\", \"maxpool 2\", \"flatten\", \"dense 10\"]'";

// flows/approx_sweep.yaml with a 1 s GA per eps_end: eight evolutions, error
// maps and critical paths, and the Pareto fronts over all of them. Its cache
// serves the same GA instances of the approx_cnn test (which runs after it).
TEST_F(ReportInBrowser, ApproxSweepFlowReportDrawsEveryPlot) {
  fs::remove_all(kArtifacts / "approx_cache");
  const fs::path run_dir = run_flow_here("approx_sweep", "approx_sweep.yaml",
                                         "--cache-dir " + quote((kArtifacts / "approx_cache").string()) +
                                             " --set ga.time_budget_s=1");
  const json p = check_report_in_browser(*browser_, run_dir, "approx_sweep");
  const auto t = titles(p);
  ASSERT_EQ(instances(run_dir, "ga"), 8u);
  EXPECT_EQ(t.count("GA evolution: best cost per island"), 8u);
  EXPECT_EQ(t.count("GA evolution: WCE per island"), 8u);
  EXPECT_EQ(t.count("Error map: 8x8 signed"), 8u);
  EXPECT_EQ(t.count("Critical path"), 9u);  // the exact seed and every evolved multiplier
  EXPECT_EQ(t.count("Cells by type"), 1u);
  for (const char* e : {"wce", "nmed", "er", "mre"})
    EXPECT_EQ(t.count(std::string("Pareto front: transistors vs ") + e), 1u) << e;
}

// flows/approx_cnn.yaml reduced: the CNN's learning curve and every evolved
// multiplier's evolution, error map and critical path.
TEST_F(ReportInBrowser, ApproxCnnFlowReportDrawsEveryPlot) {
  const fs::path run_dir =
      run_flow_here("approx_cnn", "approx_cnn.yaml",
                    "--cache-dir " + quote((kArtifacts / "approx_cache").string()) + " " + kCnnReduced +
                        " --set ga.time_budget_s=1 --set exact.limit=20 --set eval.limit=20 --set profile.images=100"
                        " --set finetune.train_images=200 --set finetune.limit=20 --set eval_after.limit=20"
                        " --set finetune_exact.train_images=200 --set finetune_exact.limit=20"
                        " --set finetune.epochs=1 --set finetune_exact.epochs=1"
                        " --set requantize.calibration_images=100 --set requantize.multiplier_bits=8");
  const json p = check_report_in_browser(*browser_, run_dir, "approx_cnn");
  const auto t = titles(p);
  // Counted by kind: the flow may evolve, verify and time more than the sweep.
  ASSERT_GT(instances(run_dir, "ga"), 1u);
  EXPECT_EQ(t.count("Learning curve: loss"), 1u);
  EXPECT_EQ(t.count("Learning curve: accuracy"), 1u);
  EXPECT_EQ(t.count("GA evolution: best cost per island"), stages_of_kind(run_dir, "approx.ga"));
  EXPECT_EQ(t.count("Error map: 8x8 signed"), stages_of_kind(run_dir, "verify.lut"));
  EXPECT_EQ(t.count("Critical path"), stages_of_kind(run_dir, "sta.opensta"));
  EXPECT_EQ(t.count("Pareto front: transistors vs wce"), 1u);
}

// flows/fashion_cnn.yaml as its e2e test runs it (reduced, F = 2): learning
// curve, cells of the accelerator, critical path through the SRAM macros.
TEST_F(ReportInBrowser, FashionCnnFlowReportDrawsEveryPlot) {
  const fs::path run_dir =
      e2e_run(CNN_E2E_RUN, "fashion_cnn", "fashion_cnn.yaml",
              kCnnReduced + " --set sim_rtl.optimize=false --set testbench_subset.max_images=1 "
                            "--set testbench_gates.max_images=1 --set rtl.banking=2");
  const json p = check_report_in_browser(*browser_, run_dir, "fashion_cnn");
  const auto t = titles(p);
  EXPECT_EQ(t.count("Learning curve: loss"), 1u);
  EXPECT_EQ(t.count("Learning curve: accuracy"), 1u);
  EXPECT_EQ(t.count("Cells by type"), 1u);
  EXPECT_EQ(t.count("Critical path"), 1u);
}

// flows/cnn_banking.yaml reduced (one image per F): a synthesis and a timing
// plot for each of F = 1, 2, 4, 8, 16.
TEST_F(ReportInBrowser, CnnBankingFlowReportDrawsEveryPlot) {
  const fs::path run_dir =
      run_flow_here("cnn_banking", "cnn_banking.yaml", "--no-cache " + kCnnReduced + " --set tb.max_images=1");
  const json p = check_report_in_browser(*browser_, run_dir, "cnn_banking");
  const auto t = titles(p);
  ASSERT_EQ(instances(run_dir, "synth"), 5u);
  EXPECT_EQ(t.count("Learning curve: loss"), 1u);
  EXPECT_EQ(t.count("Cells by type"), 5u);
  EXPECT_EQ(t.count("Critical path"), 5u);
}

// flows/decoder_history.yaml: plot.sweep draws the eval
// accuracy and AUROC against the history length, a point per instance.
TEST_F(ReportInBrowser, DecoderHistoryFlowReportDrawsAccuracyAgainstHistory) {
  // The whole flow: five seconds.
  const fs::path run_dir = run_flow_here("decoder_history", "decoder_history.yaml", "--no-cache");
  const json p = check_report_in_browser(*browser_, run_dir, "decoder_history");
  const auto t = titles(p);
  const size_t swept = instances(run_dir, "train");
  ASSERT_EQ(swept, 8u);
  EXPECT_EQ(t.count("Training curve: accuracy"), swept);
  for (const char* title : {"Decoder accuracy against history length", "Decoder AUROC against history length"}) {
    ASSERT_EQ(t.count(title), 1u) << title;
    for (const auto& plot : p["plots"])
      if (plot["title"] == title) EXPECT_EQ(plot["points"].get<size_t>(), 2 * swept) << title;  // float and fixed point
  }
  // The same numbers in the table, one row per history length, in order.
  std::ifstream table(run_dir / "accuracy" / "out" / "table.csv");
  std::string line;
  std::getline(table, line);
  EXPECT_EQ(line, "history,float,16-bit fixed point");
  std::vector<int> history;
  while (std::getline(table, line)) history.push_back(std::stoi(line));
  EXPECT_EQ(history, (std::vector<int>{1, 2, 3, 4, 6, 8, 12, 16}));
}

// Any run directories named in FLOWRUN_REPORT_RUNS ("NAME=DIR,NAME=DIR"),
// e.g. full runs of every flow in flows/ for the screenshots in docs/; not
// part of ctest (run with --gtest_also_run_disabled_tests).
TEST_F(ReportInBrowser, DISABLED_RunsNamedInTheEnvironment) {
  const char* env = std::getenv("FLOWRUN_REPORT_RUNS");
  ASSERT_TRUE(env && *env) << "set FLOWRUN_REPORT_RUNS=NAME=DIR[,NAME=DIR...]";
  std::stringstream list(env);
  for (std::string item; std::getline(list, item, ',');) {
    const auto eq = item.find('=');
    ASSERT_NE(eq, std::string::npos) << item;
    const json p = check_report_in_browser(*browser_, item.substr(eq + 1), item.substr(0, eq));
    std::printf("%s: %zu plots checked, screenshot %s\n", item.c_str(), p["plots"].size(),
                (kArtifacts / (item.substr(0, eq) + ".png")).c_str());
  }
}
