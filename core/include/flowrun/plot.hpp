// Plots a stage contributes to the run's report.html. A stage declares an
// output port of artifact type "plot" whose file is one plot (JSON), or whose
// folder (a name ending in '/') holds one plot per *.json file; the report
// draws every plot of every stage. The format (docs/report.md):
//
//   {"flowrun_plot": 1, "kind": "line|scatter|bar|heatmap|table",
//    "title": "...", "note": "...",                     (both optional)
//    line, scatter:  "x": {"label": "...", "log": false}, "y": {...},
//                    "series": [{"name": "...", "x": [..], "y": [..],
//                                "marker": "circle|cross|star|triangle|rect",
//                                "line": true|false}]    (marker, line optional)
//    bar:            "categories": ["..", ..], "y": {"label": ".."},
//                    "series": [{"name": "..", "y": [one per category]}]
//    heatmap:        "x": {"label", "min", "max"}, "y": {"label", "min", "max"},
//                    "z": {"label": "..", "values": [[row y=min], ..., [row y=max]]}
//                    (each row holds the cells x = min..max in equal steps)
//    table:          "columns": ["..", ..], "rows": [[cell, ..], ..]}
//
// Numbers may be null (a gap; a NaN written through this header becomes
// null); whole numbers are written without a fraction ("-714", not
// "-714.0"), which keeps large heatmaps small and quick to read. Plot
// artifacts are ordinary deterministic files like any other.
//
//   flowrun::Plot p = flowrun::Plot::line("Training loss", "epoch", "loss");
//   p.add_series("train", epochs, train_loss).add_series("eval", epochs, eval_loss);
//   p.write(ctx.output("loss_plot"));
#pragma once

#include <flowrun/stage.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace flowrun {

inline constexpr int kPlotFormatVersion = 1;

class Plot {
 public:
  // x against y, points joined in the order given.
  static Plot line(std::string title, std::string x_label, std::string y_label) {
    return xy("line", std::move(title), std::move(x_label), std::move(y_label));
  }
  // x against y, points only.
  static Plot scatter(std::string title, std::string x_label, std::string y_label) {
    return xy("scatter", std::move(title), std::move(x_label), std::move(y_label));
  }
  // One bar per category and series.
  static Plot bar(std::string title, std::vector<std::string> categories, std::string y_label) {
    Plot p("bar", std::move(title));
    p.doc_["categories"] = std::move(categories);
    p.doc_["y"] = {{"label", std::move(y_label)}};
    p.doc_["series"] = json::array();
    return p;
  }
  // rows[i][j] is the value at y = y_min + i * (y_max - y_min) / (rows - 1),
  // x = x_min + j * (x_max - x_min) / (columns - 1).
  static Plot heatmap(std::string title, std::string x_label, double x_min, double x_max, std::string y_label,
                      double y_min, double y_max, std::string z_label, const std::vector<std::vector<double>>& rows) {
    Plot p("heatmap", std::move(title));
    p.doc_["x"] = {{"label", std::move(x_label)}, {"min", x_min}, {"max", x_max}};
    p.doc_["y"] = {{"label", std::move(y_label)}, {"min", y_min}, {"max", y_max}};
    json values = json::array();
    for (const auto& row : rows) values.push_back(numbers(row));
    p.doc_["z"] = {{"label", std::move(z_label)}, {"values", std::move(values)}};
    return p;
  }
  // A table: columns named, one array of cells (strings, numbers) per row.
  static Plot table(std::string title, std::vector<std::string> columns) {
    Plot p("table", std::move(title));
    p.doc_["columns"] = std::move(columns);
    p.doc_["rows"] = json::array();
    return p;
  }

  // line, scatter: one named series. marker: "" (the default circle),
  // "circle", "cross", "star", "triangle" or "rect"; line overrides the
  // kind's choice of joining the points.
  Plot& add_series(std::string name, const std::vector<double>& x, const std::vector<double>& y,
                   std::string marker = "", int line = -1) {
    if (x.size() != y.size())
      throw StageError("plot '" + title() + "', series '" + name + "': " + std::to_string(x.size()) +
                       " x values but " + std::to_string(y.size()) + " y values");
    json s = {{"name", std::move(name)}, {"x", numbers(x)}, {"y", numbers(y)}};
    if (!marker.empty()) s["marker"] = std::move(marker);
    if (line >= 0) s["line"] = line != 0;
    doc_["series"].push_back(std::move(s));
    return *this;
  }
  // bar: one value per category.
  Plot& add_bars(std::string name, const std::vector<double>& values) {
    if (values.size() != doc_["categories"].size())
      throw StageError("plot '" + title() + "', series '" + name + "': " + std::to_string(values.size()) +
                       " values for " + std::to_string(doc_["categories"].size()) + " categories");
    doc_["series"].push_back({{"name", std::move(name)}, {"y", numbers(values)}});
    return *this;
  }
  // table: one row, as many cells as columns.
  Plot& add_row(json cells) {
    if (!cells.is_array() || cells.size() != doc_["columns"].size())
      throw StageError("plot '" + title() + "': a row needs " + std::to_string(doc_["columns"].size()) + " cells");
    doc_["rows"].push_back(std::move(cells));
    return *this;
  }
  Plot& log_x(bool on = true) { doc_["x"]["log"] = on; return *this; }
  Plot& log_y(bool on = true) { doc_["y"]["log"] = on; return *this; }
  // A sentence under the plot (what it shows, where the data came from).
  Plot& note(std::string text) { doc_["note"] = std::move(text); return *this; }

  const json& doc() const { return doc_; }
  std::string title() const { return doc_.value("title", ""); }

  // Writes the plot (compact JSON; NaN and infinities become null).
  // Creates the file's folder, so a stage may write into a folder output
  // (`plots/`) whether or not the caller made it.
  void write(const std::filesystem::path& file) const {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::binary);
    out << doc_.dump() << '\n';
    out.close();
    if (!out) throw StageError("cannot write plot " + file.string());
  }

 private:
  // A JSON array of the values; whole numbers (|v| < 2^53) as integers.
  static json numbers(const std::vector<double>& values) {
    json a = json::array();
    a.get_ref<json::array_t&>().reserve(values.size());
    for (double v : values) {
      if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9007199254740992.0)
        a.push_back(static_cast<std::int64_t>(v));
      else
        a.push_back(v);
    }
    return a;
  }

  Plot(std::string kind, std::string title) {
    doc_ = {{"flowrun_plot", kPlotFormatVersion}, {"kind", std::move(kind)}, {"title", std::move(title)}};
  }
  static Plot xy(std::string kind, std::string title, std::string x_label, std::string y_label) {
    Plot p(std::move(kind), std::move(title));
    p.doc_["x"] = {{"label", std::move(x_label)}};
    p.doc_["y"] = {{"label", std::move(y_label)}};
    p.doc_["series"] = json::array();
    return p;
  }

  json doc_;
};

}  // namespace flowrun
