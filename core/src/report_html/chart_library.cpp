#include "chart_library.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flowrun::report_html {

ChartLibrary load_chart_library(const std::filesystem::path& path) {
  ChartLibrary lib;
  lib.path = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    lib.problem = "Chart.js not found at " + path.string() +
                  " (install the Debian package libjs-chart.js, or set " + kChartJsEnv +
                  " to a chart.min.js of Chart.js 3 or 4); plots are left out of report.html";
    return lib;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (!in.good() && !in.eof()) {
    lib.problem = "cannot read " + path.string() + "; plots are left out of report.html";
    return lib;
  }
  // The page inlines the library in a <script> element, which the first
  // "</script" would end.
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("</script") != std::string::npos) {
    lib.problem = path.string() + " contains \"</script\" and cannot be inlined; plots are left out of report.html";
    return lib;
  }
  if (text.find("Chart") == std::string::npos) {
    lib.problem = path.string() + " does not look like Chart.js (no 'Chart' in it); plots are left out of report.html";
    return lib;
  }
  lib.source = std::move(text);
  return lib;
}

const ChartLibrary& chart_library() {
  static const ChartLibrary lib = [] {
    const char* env = std::getenv(kChartJsEnv);
    return load_chart_library(env && *env ? std::filesystem::path(env) : std::filesystem::path(kChartJsDefault));
  }();
  return lib;
}

}  // namespace flowrun::report_html
