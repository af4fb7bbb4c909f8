#include "pareto.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace flowrun::arith {

std::optional<double> DesignPoint::get(const std::string& name) const {
  for (const auto& [n, v] : values)
    if (n == name) return v;
  return std::nullopt;
}

void DesignPoint::set(const std::string& name, double v) {
  for (auto& [n, old] : values)
    if (n == name) {
      old = v;
      return;
    }
  values.emplace_back(name, v);
}

std::string instance_key(const std::string& instance) {
  const auto open = instance.find('[');
  if (open == std::string::npos || instance.back() != ']') return "";
  return instance.substr(open + 1, instance.size() - open - 2);
}

const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> cols{
      "eps_end", "transistors", "ratio", "cells", "area", "power_mw", "delay_ns", "wce", "nmed", "er",
      "mre",     "med",         "wce_abs", "smape", "mse", "seed_transistors", "generations"};
  return cols;
}

std::vector<std::size_t> pareto_front(const std::vector<DesignPoint>& points, const std::string& cost,
                                      const std::string& error) {
  std::vector<std::size_t> have;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i].get(cost) && points[i].get(error)) have.push_back(i);
  std::vector<std::size_t> front;
  for (std::size_t i : have) {
    const double ci = *points[i].get(cost), ei = *points[i].get(error);
    bool dominated = false;
    for (std::size_t j : have) {
      if (j == i) continue;
      const double cj = *points[j].get(cost), ej = *points[j].get(error);
      if (cj <= ci && ej <= ei && (cj < ci || ej < ei)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](std::size_t x, std::size_t y) {
    const double ex = *points[x].get(error), ey = *points[y].get(error);
    if (ex != ey) return ex < ey;
    return *points[x].get(cost) < *points[y].get(cost);
  });
  return front;
}

std::string format_number(double v) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

namespace {

// Instance names hold only word characters, brackets, '=', '.', ',' and
// '-'; quote them anyway since they contain commas.
std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string cell(const DesignPoint& p, const std::string& name) {
  const auto v = p.get(name);
  return v ? format_number(*v) : "";
}

}  // namespace

std::string table_csv(const std::vector<DesignPoint>& points) {
  std::string out = "instance";
  for (const auto& c : table_columns()) out += "," + c;
  out += "\n";
  for (const auto& p : points) {
    out += csv_quote(p.instance);
    for (const auto& c : table_columns()) out += "," + cell(p, c);
    out += "\n";
  }
  return out;
}

std::string pareto_csv(const std::vector<DesignPoint>& points) {
  std::string out = "cost,error,instance,eps_end,cost_value,error_value\n";
  for (const char* cost : {"transistors", "power_mw", "delay_ns"})
    for (const char* error : {"wce", "nmed", "er"})
      for (std::size_t i : pareto_front(points, cost, error)) {
        const auto& p = points[i];
        out += std::string(cost) + "," + error + "," + csv_quote(p.instance) + "," + cell(p, "eps_end") + "," +
               cell(p, cost) + "," + cell(p, error) + "\n";
      }
  return out;
}

}  // namespace flowrun::arith
