// The plots stages contributed: every output of artifact type "plot" named
// in report.json (a file, or every *.json in a folder), each read and
// checked against the plot format of <flowrun/plot.hpp>.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::report_html {

struct PlotEntry {
  std::string stage;  // instance name
  std::string port;
  std::string file;   // relative to the run directory
  nlohmann::json plot;  // null when unusable
  std::string text;     // the file as read (valid JSON when `plot` is set)
  std::string error;    // why it is unusable: "<file>: <where>: <what was expected>"
};

// Plot files larger than this are refused (a page must stay openable).
inline constexpr std::uintmax_t kMaxPlotBytes = 16u << 20;

// "" when `plot` follows the format, else where and what was expected,
// e.g. "series[1].y: expected an array of numbers".
std::string check_plot(const nlohmann::json& plot);

// Every plot output of every stage with status ok or cached, in stage order.
std::vector<PlotEntry> collect_plots(const std::filesystem::path& run_dir, const nlohmann::json& report);

}  // namespace flowrun::report_html
