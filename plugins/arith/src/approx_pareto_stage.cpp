// approx.pareto: gathers every instance of a swept approx.ga (and the
// timing/power of each evolved netlist) into one table and its Pareto
// fronts of cost (transistors, power, delay) against error (WCE, NMED, ER).
#include "pareto.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <fstream>
#include <map>
#include <optional>

namespace flowrun::arith {
namespace {

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw StageError(file.string() + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

// A timing artifact is a JSON object of numbers (top level or under
// "metrics"), or a folder holding metrics.json / timing.json.
json read_timing(const fs::path& path) {
  fs::path file = path;
  if (fs::is_directory(path)) {
    file.clear();
    for (const char* name : {"metrics.json", "timing.json", "sta.json", "report.json"})
      if (fs::exists(path / name)) {
        file = path / name;
        break;
      }
    if (file.empty())
      throw StageError(path.string() + ": expected a timing report JSON (metrics.json or timing.json) in this folder");
  }
  json j = read_json(file);
  if (j.is_object() && j.contains("metrics") && j["metrics"].is_object()) j = j["metrics"];
  if (!j.is_object()) throw StageError(file.string() + ": expected a JSON object of timing and power numbers");
  return j;
}

std::optional<double> number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Transistors against each error metric: every design, the front joined by
// a line, and the exact seed (error 0) as a star (docs/report.md).
void write_pareto_plots(const std::vector<DesignPoint>& points, const fs::path& dir) {
  std::optional<double> seed;
  for (const auto& p : points)
    if (const auto v = p.get("seed_transistors"); v && *v > 0) seed = v;
  for (const char* error : {"wce", "nmed", "er", "mre"}) {
    std::vector<double> ex, cx, fx, fy;
    for (const auto& p : points)
      if (p.get("transistors") && p.get(error)) {
        ex.push_back(*p.get(error));
        cx.push_back(*p.get("transistors"));
      }
    if (ex.empty()) continue;
    for (const std::size_t i : pareto_front(points, "transistors", error)) {
      fx.push_back(*points[i].get(error));
      fy.push_back(*points[i].get("transistors"));
    }
    Plot plot = Plot::scatter(std::string("Pareto front: transistors vs ") + error, error, "transistors");
    plot.add_series("Pareto front", fx, fy, "", 1).add_series("designs", ex, cx);
    if (seed) plot.add_series("exact seed", {0.0}, {*seed}, "star");
    plot.note(std::to_string(ex.size()) + " evolved designs; the front keeps those no other design beats in both "
              "transistors and " + error + ".")
        .write(dir / (std::string("pareto_") + error + ".json"));
  }
}

class ApproxParetoStage : public Stage {
 public:
  ApproxParetoStage() {
    spec_.kind = "approx.pareto";
    spec_.version = "2";  // 2: plots (Pareto fronts for report.html)
    spec_.summary = "Table and Pareto fronts of a sweep of evolved approximate multipliers";
    spec_.doc =
        "Gathers the metrics.json of every approx.ga instance (`ga_metrics`)\n"
        "and, optionally, the timing/power report of each evolved netlist\n"
        "(`sta`, matched to the GA instance by its matrix coordinates, e.g.\n"
        "[eps_end=0.005]). Writes table.csv (one row per instance: eps_end,\n"
        "transistors, ratio to the seed, cells, area, power_mw, delay_ns,\n"
        "wce, nmed, er, mre, med, wce_abs, smape, mse, seed_transistors,\n"
        "generations) and pareto.csv (the non-dominated instances for each\n"
        "cost in transistors, power_mw, delay_ns against each error in wce,\n"
        "nmed, er). Timing reports are JSON objects with power_mw and\n"
        "critical_path_ns (or delay_ns), at top level or under \"metrics\".";
    spec_.inputs = {
        {.name = "ga_metrics", .type = "report", .doc = "metrics.json of every approx.ga instance", .many = true},
        {.name = "sta", .type = "report", .doc = "timing/power report of each evolved netlist",
         .optional = true, .many = true},
    };
    spec_.outputs = {
        {.name = "table", .type = "table", .doc = "one row per GA instance", .file = "table.csv"},
        {.name = "pareto", .type = "table", .doc = "Pareto-optimal instances per cost/error pair",
         .file = "pareto.csv"},
        {.name = "plots", .type = "plot",
         .doc = "transistors against each error metric (every design, the Pareto front, the exact seed) for report.html",
         .file = "plots/"},
    };
    spec_.key_metrics = {"designs", "best_ratio"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const auto files = ctx.inputs("ga_metrics");
    const auto sources = ctx.input_sources("ga_metrics");
    const auto params = ctx.input_source_params("ga_metrics");
    if (files.empty()) throw StageError("input ga_metrics: no GA metrics connected");

    std::map<std::string, json> timing;  // by instance key
    if (ctx.has_input("sta")) {
      const auto sta_files = ctx.inputs("sta");
      const auto sta_sources = ctx.input_sources("sta");
      for (std::size_t i = 0; i < sta_files.size(); ++i) {
        const std::string key = i < sta_sources.size() ? instance_key(sta_sources[i]) : std::to_string(i);
        if (timing.count(key))
          throw StageError("input sta: two timing reports for instance [" + key + "] (" + sta_files[i].string() + ")");
        timing[key] = read_timing(sta_files[i]);
      }
    }

    std::vector<DesignPoint> points;
    for (std::size_t i = 0; i < files.size(); ++i) {
      DesignPoint p;
      p.instance = i < sources.size() ? sources[i] : files[i].string();
      const json m = read_json(files[i]);
      if (!m.is_object()) throw StageError(files[i].string() + ": expected a JSON object of GA metrics");
      for (const auto& col : table_columns())
        if (const auto v = number(m, col.c_str())) p.set(col, *v);
      for (const char* required : {"transistors", "wce", "nmed", "er"})
        if (!p.get(required))
          throw StageError(files[i].string() + ": expected a number '" + required + "' in the GA metrics");
      if (i < params.size() && params[i].is_object())
        if (const auto v = number(params[i], "eps_end")) p.set("eps_end", *v);
      if (const auto seed = p.get("seed_transistors"); seed && *seed > 0)
        p.set("ratio", *p.get("transistors") / *seed);
      const std::string key = i < sources.size() ? instance_key(sources[i]) : std::to_string(i);
      if (const auto it = timing.find(key); it != timing.end()) {
        if (const auto v = number(it->second, "power_mw")) p.set("power_mw", *v);
        auto delay = number(it->second, "critical_path_ns");
        if (!delay) delay = number(it->second, "delay_ns");
        if (delay) p.set("delay_ns", *delay);
        timing.erase(it);
      } else if (ctx.has_input("sta")) {
        ctx.warn("no timing report for " + p.instance + "; its power and delay stay empty");
      }
      points.push_back(std::move(p));
    }
    for (const auto& [key, unused] : timing)
      ctx.warn("timing report for [" + key + "] matches no GA instance; ignored");

    std::ofstream(ctx.output("table")) << table_csv(points);
    std::ofstream(ctx.output("pareto")) << pareto_csv(points);
    write_pareto_plots(points, ctx.output("plots"));
    ctx.metric("designs", points.size());
    double best = 0;
    for (const auto& p : points)
      if (const auto r = p.get("ratio"); r && (best == 0 || *r < best)) best = *r;
    if (best > 0) ctx.metric("best_ratio", best);
    ctx.metric("pareto_transistors_wce", pareto_front(points, "transistors", "wce").size());
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::arith

FLOWRUN_REGISTER_STAGE(flowrun::arith::ApproxParetoStage)
