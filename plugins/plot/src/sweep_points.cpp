#include "sweep_points.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace flowrun::plot {

namespace {

// A coordinate or param value as a number: flow values are written as text
// in instance names ("4", "0.005") and as JSON in params.
bool as_number(const json& v, double& out) {
  if (v.is_number()) {
    out = v.get<double>();
    return std::isfinite(out);
  }
  if (!v.is_string()) return false;
  const std::string s = v.get<std::string>();
  if (s.empty()) return false;
  std::size_t used = 0;
  try {
    out = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(out);
}

// Whole numbers without a fraction ("4", not "4.0"); others in the
// shortest form that reads back exactly.
std::string number_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return json(v).dump();
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number()) return number_text(v.get<double>());
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> instance_coordinates(const std::string& instance) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto open = instance.find('[');
  if (open == std::string::npos || instance.empty() || instance.back() != ']') return out;
  std::stringstream in(instance.substr(open + 1, instance.size() - open - 2));
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

json value_at(const json& doc, const std::string& path) {
  if (path.empty()) return nullptr;
  std::string pointer = path;
  if (pointer.front() != '/') {
    pointer = "/";
    for (char c : path) pointer += c == '.' ? '/' : c;
  }
  try {
    const json::json_pointer p(pointer);
    return doc.contains(p) ? doc.at(p) : json(nullptr);
  } catch (const json::exception&) {
    return nullptr;
  }
}

SweepTable gather_sweep(const std::vector<SweepInput>& inputs, const std::string& x,
                        const std::vector<std::string>& y_paths, const std::vector<std::string>& y_names) {
  if (inputs.empty()) throw StageError("input results: nothing connected (expected the instances of a sweep)");
  if (y_paths.empty()) throw StageError("param y: expected at least one value path, e.g. metrics.eval_accuracy");
  if (!y_names.empty() && y_names.size() != y_paths.size())
    throw StageError("param y_names: " + std::to_string(y_names.size()) + " names for " +
                     std::to_string(y_paths.size()) + " values in y");

  struct Point {
    std::string group;
    std::vector<std::pair<std::string, std::string>> others;
    double x;
    std::vector<double> y;
  };
  std::vector<Point> points;
  std::vector<std::string> other_keys;  // the other coordinates, first-seen order
  std::set<std::pair<std::string, double>> seen;
  for (const auto& in : inputs) {
    Point p;
    bool have_x = false;
    for (const auto& [key, value] : instance_coordinates(in.instance)) {
      if (key == x) {
        if (!as_number(json(value), p.x))
          throw StageError(in.file + ": instance " + in.instance + ": " + x + "=" + value + " is not a number");
        have_x = true;
      } else {
        p.others.emplace_back(key, value);
        if (std::find(other_keys.begin(), other_keys.end(), key) == other_keys.end()) other_keys.push_back(key);
        p.group += (p.group.empty() ? "" : ",") + key + "=" + value;
      }
    }
    if (!have_x && in.params.is_object() && in.params.contains(x)) {
      if (!as_number(in.params[x], p.x))
        throw StageError(in.file + ": instance " + in.instance + ": param " + x + " = " + in.params[x].dump() +
                         " is not a number");
      have_x = true;
    }
    if (!have_x)
      throw StageError(in.file + ": instance '" + in.instance + "' has no matrix value or param '" + x +
                       "' (param x names the swept param)");
    if (!seen.insert({p.group, p.x}).second)
      throw StageError(in.file + ": instance " + in.instance + " repeats " + x + "=" + number_text(p.x) +
                       (p.group.empty() ? "" : " for " + p.group) + " (two inputs at one point)");
    for (const auto& path : y_paths) {
      const json v = value_at(in.doc, path);
      double d = 0;
      if (!as_number(v, d) || !v.is_number())
        throw StageError(in.file + ": expected a number at '" + path + "'" +
                         (v.is_null() ? " (there is none)" : ", found " + v.dump()));
      p.y.push_back(d);
    }
    points.push_back(std::move(p));
  }

  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return a.group != b.group ? a.group < b.group : a.x < b.x;
  });
  SweepTable t;
  std::vector<std::string> groups;
  for (const auto& p : points)
    if (std::find(groups.begin(), groups.end(), p.group) == groups.end()) groups.push_back(p.group);
  for (std::size_t k = 0; k < y_paths.size(); ++k)
    for (const auto& g : groups) {
      SweepSeries s;
      s.y = y_names.empty() ? y_paths[k] : y_names[k];
      s.group = g;
      for (const auto& p : points)
        if (p.group == g) {
          s.x.push_back(p.x);
          s.values.push_back(p.y[k]);
        }
      t.series.push_back(std::move(s));
    }
  t.columns.push_back(x);
  for (const auto& k : other_keys) t.columns.push_back(k);
  for (std::size_t k = 0; k < y_paths.size(); ++k) t.columns.push_back(y_names.empty() ? y_paths[k] : y_names[k]);
  for (const auto& p : points) {
    std::vector<json> row{p.x};
    for (const auto& key : other_keys) {
      json cell = nullptr;
      for (const auto& [k, v] : p.others)
        if (k == key) cell = v;
      row.push_back(cell);
    }
    for (double v : p.y) row.push_back(v);
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string sweep_csv(const SweepTable& table) {
  std::string out;
  for (std::size_t i = 0; i < table.columns.size(); ++i) out += (i ? "," : "") + csv_cell(table.columns[i]);
  out += "\n";
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_cell(row[i]);
    out += "\n";
  }
  return out;
}

}  // namespace flowrun::plot
