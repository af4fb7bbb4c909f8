// Engine benchmarks: prints numbers, asserts nothing (docs/benchmarks.md).
//   plugin load time per library
//   validation time of a generated 500-stage flow
//   engine overhead per stage for 200 trivial stages
//   wall time of a fully cached re-run of a 10-stage flow (whole program)
#include "cache.hpp"
#include "engine.hpp"
#include "executor.hpp"
#include "flow_generate.hpp"
#include "flow_parser.hpp"
#include "install_paths.hpp"
#include "registry.hpp"
#include "site_config.hpp"
#include "tool_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace flowrun;
using clock_type = std::chrono::steady_clock;

namespace {

double since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

fs::path write_flow(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  const fs::path demo = fs::path(FLOWRUN_TEST_PLUGIN_DIR) / "libflowrun_demo.so";
  const fs::path tmp = fs::temp_directory_path() / ("flowrun-bench-" + std::to_string(::getpid()));
  fs::remove_all(tmp);

  // 1. Plugin load time, each library loaded first in this process.
  std::printf("plugin load time (first load in process):\n");
  std::vector<fs::path> libs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(builtin_plugin_dir(), ec))
    if (e.path().extension() == ".so") libs.push_back(e.path());
  std::sort(libs.begin(), libs.end());
  libs.push_back(demo);
  Registry registry;
  for (const auto& lib : libs) {
    try {
      const PluginRecord& rec = registry.load(lib);
      std::printf("  %-28s %7.2f ms  (%zu stage kinds)\n", lib.filename().c_str(),
                  rec.load_seconds * 1e3, rec.kinds.size());
    } catch (const std::exception& e) {
      std::printf("  %-28s failed: %s\n", lib.filename().c_str(), e.what());
    }
  }

  SiteConfig site = load_site_config({});
  FlowOptions opts;
  opts.builtin_vars = site.builtin_vars();

  // 2. Validation of a 500-stage flow.
  {
    fs::path f = write_flow(tmp, "chain500.yaml", generate_chain_flow(500, demo.string()));
    std::vector<double> times;
    size_t stages = 0;
    for (int i = 0; i < 5; ++i) {
      std::vector<Diagnostic> diags;
      auto t = clock_type::now();
      Flow flow = load_flow(f, registry, opts, diags);
      times.push_back(since(t));
      stages = flow.stages.size();
      if (!diags.empty()) {
        std::printf("generated flow invalid: %s\n", diags.front().str().c_str());
        return 1;
      }
    }
    std::printf("validation of a %zu-stage flow: %.2f ms (median of 5)\n", stages,
                median(times) * 1e3);
  }

  // 3. Engine overhead per stage: 200 trivial stages, no cache, local executor.
  {
    fs::path f = write_flow(tmp, "chain200.yaml", generate_chain_flow(200, demo.string()));
    std::vector<Diagnostic> diags;
    Flow flow = load_flow(f, registry, opts, diags);
    std::atomic<bool> cancel{false};
    ExecutorEnv env{&site, &cancel, {}};
    auto executor = make_executor("local", env);
    Cache cache(tmp / "cache200", /*enabled=*/false);
    std::ostringstream sink;
    ProgressBoard board(sink, false);
    RunOptions ro{tmp / "run200", 2};
    auto t = clock_type::now();
    RunSummary s = run_flow(flow, ro, cache, *executor, board, cancel);
    const double wall = since(t);
    // The flow is a chain, so stages run one after another: everything but
    // the time inside the stages' own run() is engine overhead.
    double in_run = 0;
    for (const auto& [name, rec] : s.stages) in_run += rec.outcome.run_seconds;
    const double n = static_cast<double>(flow.stages.size());
    std::printf("200 trivial stages (chain, no cache): wall %.1f ms; inside run() %.1f ms; "
                "engine overhead %.3f ms per stage (target < 5 ms)\n",
                wall * 1e3, in_run * 1e3, (wall - in_run) / n * 1e3);
  }

  // 4. Fully cached re-run of a 10-stage flow: the whole flowrun program.
  {
    fs::path f = write_flow(tmp, "chain10.yaml", generate_chain_flow(10, demo.string()));
    ToolCall call;
    call.program = FLOWRUN_BIN;
    call.args = {"run", f.string(), "--run-dir", (tmp / "run10").string(), "--cache-dir",
                 (tmp / "cache10").string()};
    call.cwd = tmp;
    ToolResult first = run_program(FLOWRUN_BIN, call, nullptr);
    if (first.exit_code != 0) {
      std::printf("10-stage flow failed:\n%s\n", first.output.c_str());
      return 1;
    }
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) times.push_back(run_program(FLOWRUN_BIN, call, nullptr).seconds);
    std::printf("fully cached re-run of a 10-stage flow (whole program, all plugins loaded): "
                "%.1f ms (median of 5; target < 300 ms)\n",
                median(times) * 1e3);
  }
  fs::remove_all(tmp);
  return 0;
}
