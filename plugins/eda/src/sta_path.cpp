#include "sta_path.hpp"

#include <cstdlib>
#include <sstream>

namespace flowrun::eda {

namespace {

std::optional<double> to_number(const std::string& token) {
  if (token.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(token.c_str(), &end);
  if (end != token.c_str() + token.size()) return std::nullopt;
  return v;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string after_colon(const std::string& line) { return trim(line.substr(line.find(':') + 1)); }

bool dashes(const std::string& line) { return line.rfind("-----", 0) == 0; }

}  // namespace

std::optional<StaPath> parse_critical_path(std::string_view report) {
  std::istringstream in{std::string(report)};
  std::string line;
  StaPath path;
  bool max_path = false;
  // Startpoint/Endpoint precede "Path Type: max"; the table starts after
  // the first dashed line and its arrival part ends at "data arrival time".
  while (std::getline(in, line)) {
    if (line.rfind("Startpoint:", 0) == 0) path.startpoint = after_colon(line);
    else if (line.rfind("Endpoint:", 0) == 0) path.endpoint = after_colon(line);
    else if (line.rfind("Path Type:", 0) == 0 && after_colon(line) == "max") {
      max_path = true;
      break;
    }
  }
  if (!max_path) return std::nullopt;
  while (std::getline(in, line) && !dashes(line)) {
  }
  while (std::getline(in, line)) {
    if (line.find("data arrival time") != std::string::npos) break;
    if (trim(line).empty()) continue;
    // Leading numbers are the filled columns, right-aligned: the last one is
    // the arrival time, then delay, slew and cap to its left.
    std::istringstream cols(line);
    std::vector<double> nums;
    std::string token, rest;
    std::streampos desc_at = 0;
    while (true) {
      desc_at = cols.tellg();
      if (!(cols >> token)) break;
      const auto v = to_number(token);
      if (!v) break;
      nums.push_back(*v);
    }
    if (nums.empty()) continue;
    rest = desc_at >= 0 ? trim(line.substr(static_cast<size_t>(desc_at))) : "";
    StaPathPoint p;
    p.time = nums.back();
    if (nums.size() >= 2) p.delay = nums[nums.size() - 2];
    if (nums.size() >= 3) p.slew = nums[nums.size() - 3];
    if (nums.size() >= 4) p.cap = nums[nums.size() - 4];
    if (rest.size() >= 2 && (rest[0] == '^' || rest[0] == 'v') && rest[1] == ' ') {
      p.edge = rest.substr(0, 1);
      rest = trim(rest.substr(2));
    }
    // "_585_/Y (AND2)", "a[7] (in)"; clock lines keep their words.
    const auto open = rest.rfind(" (");
    if (!p.edge.empty() && open != std::string::npos && rest.back() == ')') {
      p.cell = rest.substr(open + 2, rest.size() - open - 3);
      rest = rest.substr(0, open);
    }
    p.point = rest;
    path.points.push_back(std::move(p));
  }
  // The slack line closes the path: "  9.1635   slack (MET)".
  while (std::getline(in, line)) {
    const auto at = line.find("slack (");
    if (at == std::string::npos) continue;
    path.slack = to_number(trim(line.substr(0, at)));
    const auto close = line.find(')', at);
    path.slack_status = line.substr(at + 7, close == std::string::npos ? std::string::npos : close - at - 7);
    break;
  }
  return path;
}

}  // namespace flowrun::eda
