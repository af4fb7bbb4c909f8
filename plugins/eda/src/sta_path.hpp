// The worst max-delay path of an OpenSTA `report_checks -path_delay max`
// report, point by point, for the critical-path table of report.html.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

struct StaPathPoint {
  std::string point;  // "_585_/Y", "a[7]", "clock clk (rise edge)"
  std::string cell;   // "AND2", "in", "out"; empty for clock and delay lines
  std::string edge;   // "^" rise, "v" fall, or empty
  std::optional<double> cap, slew, delay;
  double time = 0;    // arrival time at the point
};

struct StaPath {
  std::string startpoint, endpoint;
  std::vector<StaPathPoint> points;  // data arrival part, in order
  std::optional<double> slack;
  std::string slack_status;  // "MET", "VIOLATED"
};

// The first max path of the report; nullopt when the report holds none.
std::optional<StaPath> parse_critical_path(std::string_view report);

}  // namespace flowrun::eda
