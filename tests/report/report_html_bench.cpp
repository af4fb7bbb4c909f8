// How long report.html takes at the end of a run: reading the plots, laying
// out the graph, inlining Chart.js and writing the page, for run directories
// given on the command line (docs/report.md lists measured numbers).
//
//   build/tests/report/report_html_bench RUN_DIR... [--repeat N]
#include "report_html.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  int repeat = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else dirs.push_back(a);
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "usage: %s RUN_DIR... [--repeat N]\n", argv[0]);
    return 2;
  }
  // first_ms includes reading Chart.js, which a run does once.
  std::printf("%-40s %9s %8s %9s %8s %9s %6s\n", "run", "first_ms", "min_ms", "median_ms", "max_ms", "page_kb", "plots");
  double worst_first = 0;
  for (const auto& dir : dirs) {
    nlohmann::json report;
    try {
      report = flowrun::read_run_report(dir);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
    std::vector<double> ms;
    flowrun::ReportPage page;
    // What a run pays: render from report.json and the run folder, write.
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      page = flowrun::write_report_html(dir, report);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    const double first = ms.front();
    worst_first = std::max(worst_first, first);
    std::sort(ms.begin(), ms.end());
    std::printf("%-40s %9.1f %8.1f %9.1f %8.1f %9.0f %6zu\n", dir.c_str(), first, ms.front(), ms[ms.size() / 2], ms.back(),
                static_cast<double>(page.html.size()) / 1024.0, page.plots);
  }
  // The target: rendering adds < 0.2 s to a run (a run renders once,
  // so the first render, Chart.js read included, is what it pays).
  std::printf("slowest first render: %.1f ms (target < 200 ms: %s)\n", worst_first,
              worst_first < 200 ? "met" : "MISSED");
  return 0;
}
