// The plotting library report.html inlines: Chart.js from the Debian
// package libjs-chart.js, read at render time so the page needs no network
// and flowrun ships no copy of it.
//
// Why Chart.js: Debian's libjs-vega ships Vega as separate modules without
// the d3 modules they import, and no Vega-Lite; Chart.js is one
// self-contained file.
#pragma once

#include <filesystem>
#include <string>

namespace flowrun::report_html {

inline constexpr const char* kChartJsDefault = "/usr/share/javascript/chart.js/chart.min.js";
inline constexpr const char* kChartJsEnv = "FLOWRUN_CHART_JS";

struct ChartLibrary {
  std::filesystem::path path;
  std::string source;   // the script; empty when unavailable
  std::string problem;  // why it is unavailable (a complete sentence)
  bool ok() const { return !source.empty(); }
};

// FLOWRUN_CHART_JS when set, else the Debian path. Read once per process.
const ChartLibrary& chart_library();
// Reads and checks one candidate file (tests use it directly).
ChartLibrary load_chart_library(const std::filesystem::path& path);

}  // namespace flowrun::report_html
