// <run>/report.html: the run as a self-contained page (docs/report.md) —
// the flow graph, the stage table, the timeline and every plot the stages
// contributed — rendered from report.json and the run directory alone, so
// `flowrun report RUN_DIR` redraws any run.
#pragma once

#include "chart_library.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowrun {

// A run directory whose report.json cannot be read; the message names the
// file and what was expected.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReportPage {
  std::string html;
  // Things a person should hear about (the plotting library is missing, a
  // plot file is unusable); the page shows them too.
  std::vector<std::string> warnings;
  size_t plots = 0;  // plots drawn (tables included)
};

ReportPage render_report_html(const std::filesystem::path& run_dir, const nlohmann::json& report);
// The same with a given plotting library (tests: a missing one).
ReportPage render_report_html(const std::filesystem::path& run_dir, const nlohmann::json& report,
                              const report_html::ChartLibrary& library);
// Renders and writes <run_dir>/report.html (atomically); returns the page.
ReportPage write_report_html(const std::filesystem::path& run_dir, const nlohmann::json& report);
// At the end of a run: writes report.html and prints each warning to `err`
// as "flowrun: warning: ...". Never throws (report.json is what a run
// promises; the page must not fail it). Returns whether the page was written.
bool write_report_html_after_run(const std::filesystem::path& run_dir, const nlohmann::json& report,
                                 std::ostream& err);
// `flowrun report RUN_DIR`: reads report.json, writes report.html, prints
// its path (warnings and errors to `err`). Returns the exit code: 0, 2 when
// RUN_DIR holds no usable report.json, 1 when the page cannot be written.
int report_command(const std::filesystem::path& run_dir, std::ostream& out, std::ostream& err);
// <run_dir>/report.json, checked enough to render (throws ReportError).
nlohmann::json read_run_report(const std::filesystem::path& run_dir);

}  // namespace flowrun
