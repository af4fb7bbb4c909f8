#include "plot_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace flowrun::report_html {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool is_number_or_null(const json& v) { return v.is_number() || v.is_null(); }

// "" or what is wrong with `v` as an array of numbers (nulls allowed).
std::string numbers(const json& v, const std::string& where) {
  if (!v.is_array()) return where + ": expected an array of numbers";
  for (size_t i = 0; i < v.size(); ++i)
    if (!is_number_or_null(v[i])) return where + "[" + std::to_string(i) + "]: expected a number or null, got " + v[i].dump();
  return "";
}

std::string axis(const json& plot, const char* name, bool needs_range) {
  const std::string where = name;
  if (!plot.contains(name)) return needs_range ? where + ": missing (an object with label, min and max)" : "";
  const json& a = plot[name];
  if (!a.is_object()) return where + ": expected an object";
  if (a.contains("label") && !a["label"].is_string()) return where + ".label: expected a string";
  if (a.contains("log") && !a["log"].is_boolean()) return where + ".log: expected true or false";
  if (needs_range) {
    for (const char* k : {"min", "max"})
      if (!a.contains(k) || !a[k].is_number()) return where + "." + k + ": expected a number";
    if (a["min"].get<double>() > a["max"].get<double>()) return where + ": min is greater than max";
  }
  return "";
}

std::string check_xy(const json& plot) {
  for (const char* a : {"x", "y"})
    if (auto e = axis(plot, a, false); !e.empty()) return e;
  if (!plot.contains("series") || !plot["series"].is_array() || plot["series"].empty())
    return "series: expected a non-empty array of {name, x, y}";
  static const std::vector<std::string> markers = {"circle", "cross", "star", "triangle", "rect"};
  for (size_t i = 0; i < plot["series"].size(); ++i) {
    const json& s = plot["series"][i];
    const std::string where = "series[" + std::to_string(i) + "]";
    if (!s.is_object()) return where + ": expected an object {name, x, y}";
    if (!s.contains("name") || !s["name"].is_string()) return where + ".name: expected a string";
    for (const char* k : {"x", "y"})
      if (auto e = numbers(s.value(k, json()), where + "." + k); !e.empty()) return e;
    if (s["x"].size() != s["y"].size())
      return where + ": x has " + std::to_string(s["x"].size()) + " values but y has " + std::to_string(s["y"].size());
    if (s.contains("marker") &&
        (!s["marker"].is_string() || std::find(markers.begin(), markers.end(), s["marker"].get<std::string>()) == markers.end()))
      return where + ".marker: expected one of circle, cross, star, triangle, rect";
    if (s.contains("line") && !s["line"].is_boolean()) return where + ".line: expected true or false";
  }
  return "";
}

std::string check_bar(const json& plot) {
  if (!plot.contains("categories") || !plot["categories"].is_array() || plot["categories"].empty())
    return "categories: expected a non-empty array of strings";
  for (size_t i = 0; i < plot["categories"].size(); ++i)
    if (!plot["categories"][i].is_string()) return "categories[" + std::to_string(i) + "]: expected a string";
  if (auto e = axis(plot, "y", false); !e.empty()) return e;
  if (!plot.contains("series") || !plot["series"].is_array() || plot["series"].empty())
    return "series: expected a non-empty array of {name, y}";
  for (size_t i = 0; i < plot["series"].size(); ++i) {
    const json& s = plot["series"][i];
    const std::string where = "series[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) return where + ".name: expected a string";
    if (auto e = numbers(s.value("y", json()), where + ".y"); !e.empty()) return e;
    if (s["y"].size() != plot["categories"].size())
      return where + ".y: expected " + std::to_string(plot["categories"].size()) + " values (one per category), got " +
             std::to_string(s["y"].size());
  }
  return "";
}

std::string check_heatmap(const json& plot) {
  for (const char* a : {"x", "y"})
    if (auto e = axis(plot, a, true); !e.empty()) return e;
  if (!plot.contains("z") || !plot["z"].is_object()) return "z: expected an object {label, values}";
  const json& z = plot["z"];
  if (z.contains("label") && !z["label"].is_string()) return "z.label: expected a string";
  if (!z.contains("values") || !z["values"].is_array() || z["values"].empty())
    return "z.values: expected a non-empty array of rows";
  const size_t width = z["values"][0].is_array() ? z["values"][0].size() : 0;
  if (width == 0) return "z.values[0]: expected a non-empty array of numbers";
  for (size_t i = 0; i < z["values"].size(); ++i) {
    const std::string where = "z.values[" + std::to_string(i) + "]";
    if (auto e = numbers(z["values"][i], where); !e.empty()) return e;
    if (z["values"][i].size() != width)
      return where + ": expected " + std::to_string(width) + " values like row 0, got " + std::to_string(z["values"][i].size());
  }
  return "";
}

std::string check_table(const json& plot) {
  if (!plot.contains("columns") || !plot["columns"].is_array() || plot["columns"].empty())
    return "columns: expected a non-empty array of strings";
  for (size_t i = 0; i < plot["columns"].size(); ++i)
    if (!plot["columns"][i].is_string()) return "columns[" + std::to_string(i) + "]: expected a string";
  if (!plot.contains("rows") || !plot["rows"].is_array()) return "rows: expected an array of rows";
  for (size_t i = 0; i < plot["rows"].size(); ++i) {
    const json& r = plot["rows"][i];
    const std::string where = "rows[" + std::to_string(i) + "]";
    if (!r.is_array() || r.size() != plot["columns"].size())
      return where + ": expected an array of " + std::to_string(plot["columns"].size()) + " cells (one per column)";
    for (size_t k = 0; k < r.size(); ++k)
      if (!(r[k].is_string() || r[k].is_number() || r[k].is_boolean() || r[k].is_null()))
        return where + "[" + std::to_string(k) + "]: expected a string, number or null";
  }
  return "";
}

// Reads one plot file into `e` (plot or error).
void read_plot(const fs::path& run_dir, PlotEntry& e) {
  const fs::path path = run_dir / e.file;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    e.error = e.file + ": cannot read (" + ec.message() + ")";
    return;
  }
  if (size > kMaxPlotBytes) {
    e.error = e.file + ": " + std::to_string(size) + " bytes; plots are limited to " + std::to_string(kMaxPlotBytes) + " bytes";
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    e.error = e.file + ": cannot read";
    return;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json plot = json::parse(text, nullptr, false);
  if (plot.is_discarded()) {
    e.error = e.file + ": not valid JSON";
    return;
  }
  if (auto why = check_plot(plot); !why.empty()) {
    e.error = e.file + ": " + why;
    return;
  }
  e.plot = std::move(plot);
  e.text = std::move(text);
}

}  // namespace

std::string check_plot(const json& plot) {
  if (!plot.is_object()) return "expected a JSON object";
  if (!plot.contains("flowrun_plot") || !plot["flowrun_plot"].is_number_integer())
    return "flowrun_plot: missing (expected the format version, 1)";
  if (plot["flowrun_plot"].get<long>() != 1)
    return "flowrun_plot: version " + plot["flowrun_plot"].dump() + " is not known to this flowrun (it reads 1)";
  if (plot.contains("title") && !plot["title"].is_string()) return "title: expected a string";
  if (plot.contains("note") && !plot["note"].is_string()) return "note: expected a string";
  const std::string kind = plot.contains("kind") && plot["kind"].is_string() ? plot["kind"].get<std::string>() : "";
  if (kind == "line" || kind == "scatter") return check_xy(plot);
  if (kind == "bar") return check_bar(plot);
  if (kind == "heatmap") return check_heatmap(plot);
  if (kind == "table") return check_table(plot);
  return "kind: expected one of line, scatter, bar, heatmap, table";
}

std::vector<PlotEntry> collect_plots(const fs::path& run_dir, const json& report) {
  std::vector<PlotEntry> plots;
  const json& stages = report.value("stages", json::object());
  std::vector<std::string> order;
  if (report.contains("stage_order") && report["stage_order"].is_array()) {
    for (const auto& n : report["stage_order"])
      if (n.is_string()) order.push_back(n.get<std::string>());
  } else {
    for (auto it = stages.begin(); it != stages.end(); ++it) order.push_back(it.key());
  }
  for (const auto& name : order) {
    if (!stages.contains(name) || !stages[name].is_object()) continue;
    const json& s = stages[name];
    const std::string status = s.value("status", "");
    if (status != "ok" && status != "cached") continue;
    const json types = s.value("output_types", json::object());
    const json outputs = s.value("outputs", json::object());
    if (!types.is_object() || !outputs.is_object()) continue;
    for (auto it = types.begin(); it != types.end(); ++it) {
      if (!it.value().is_string() || it.value().get<std::string>() != "plot") continue;
      if (!outputs.contains(it.key()) || !outputs[it.key()].is_string()) continue;
      const std::string rel = outputs[it.key()].get<std::string>();
      std::vector<std::string> files;
      std::error_code ec;
      if (fs::is_directory(run_dir / rel, ec)) {
        for (const auto& f : fs::directory_iterator(run_dir / rel, ec))
          if (f.path().extension() == ".json") files.push_back((fs::path(rel) / f.path().filename()).generic_string());
        std::sort(files.begin(), files.end());
      } else {
        files.push_back(rel);
      }
      for (const auto& f : files) {
        PlotEntry e{name, it.key(), f, json(), ""};
        read_plot(run_dir, e);
        plots.push_back(std::move(e));
      }
    }
  }
  return plots;
}

}  // namespace flowrun::report_html
