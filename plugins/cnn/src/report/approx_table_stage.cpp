// cnn.approx_table: gathers the approximate-multiplier sweep of
// flows/approx_cnn.yaml into one table: per multiplier its cost and error
// (approx.ga) and the network's accuracy with it before and after
// fine-tuning through its LUT (eval.lut).
#include "report/gather.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace flowrun::cnn::report {
namespace {

const char* kVersion = "1";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "cnn.approx_table";
  s.version = kVersion;
  s.summary = "Table of an approximate-multiplier sweep: cost, error, network accuracy before/after fine-tuning";
  s.doc =
      "Gathers every instance of a sweep (e.g. over eps_end) of approx.ga (`ga`: metrics.json) with the\n"
      "eval.lut reports of the int8 network with that multiplier's LUT before (`before`) and after\n"
      "(`after`) fine-tuning (trainer.lut_finetune, then quantizer.int8 again), matched by matrix\n"
      "coordinates (ga[eps_end=0.01] with eval_before[eps_end=0.01] and eval_after[eps_end=0.01]).\n"
      "Writes table.csv (plot-ready, one row per instance, sorted by the first matrix coordinate's value):\n"
      "  instance, coordinate (that value, e.g. eps_end), transistors, transistor_ratio, cost_ratio, er,\n"
      "  nmed, wce, wmed (when the GA had a weighted bound), accuracy_exact (int8 without the LUT),\n"
      "  accuracy_before, accuracy_after (empty without `after`),\n"
      "  drop_before_points, drop_after_points (exact - LUT, percentage points), images\n"
      "and table.md (the same as a Markdown table for the docs) and plots/ (accuracy against\n"
      "transistors). A ga instance without its reports, or a report lacking a field, fails the\n"
      "stage naming the file and the field. See docs/approx-cnn.md.";
  s.inputs = {
      {.name = "ga", .type = "report", .doc = "approx.ga metrics.json of every instance", .many = true},
      {.name = "before", .type = "report", .doc = "eval.lut eval.json with the instance's LUT, before fine-tuning",
       .many = true},
      {.name = "after", .type = "report", .doc = "eval.lut eval.json with the LUT after fine-tuning (optional: "
       "without it the after columns stay empty)", .optional = true, .many = true},
  };
  s.outputs = {
      {.name = "table", .type = "table", .doc = "one row per instance (columns in the doc)", .file = "table.csv"},
      {.name = "markdown", .type = "report", .doc = "the table in Markdown", .file = "table.md"},
      {.name = "plots", .type = "plot", .doc = "accuracy before/after against transistors", .file = "plots/"},
  };
  s.key_metrics = {"instances", "best_after_ratio"};
  return s;
}

std::string num(double v) {
  if (std::isnan(v)) return "";
  char b[64];
  auto [p, ec] = std::to_chars(b, b + sizeof b, v);
  return std::string(b, p);
}

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "–";  // not measured
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

double field(const json& j, const char* key, const fs::path& file, const char* what) {
  if (!j.contains(key) || !j[key].is_number())
    throw StageError(file.string() + ": field '" + key + "' missing or not a number (" + what + ")");
  return j[key].get<double>();
}

double optional_field(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
}

// The first coordinate's value as a number ("eps_end=0.01,..." -> 0.01).
double first_value(const std::string& key) {
  const auto eq = key.find('=');
  if (eq == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  const std::string v = key.substr(eq + 1, key.find(',') == std::string::npos ? std::string::npos
                                                                               : key.find(',') - eq - 1);
  double d = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  return ec == std::errc() && p == v.data() + v.size() ? d : std::numeric_limits<double>::quiet_NaN();
}

struct Row {
  std::string instance, key;
  double coord, transistors, ratio, cost_ratio, er, nmed, wce, wmed, exact, before, after, images;
};

class ApproxTableStage final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto ga = by_key(ctx, "ga", "metrics.json");
    if (ga.empty()) throw StageError("input ga: no approx.ga instance connected");
    const auto before = by_key(ctx, "before", "eval.json");
    const bool tuned = ctx.has_input("after");
    const auto after = tuned ? by_key(ctx, "after", "eval.json") : std::map<std::string, Gathered>{};
    std::vector<Row> rows;
    for (const auto& [key, g] : ga) {
      const auto need = [&](const std::map<std::string, Gathered>& m, const char* port) -> const Gathered& {
        const auto it = m.find(key);
        if (it == m.end())
          throw StageError("input " + std::string(port) + ": nothing for " + g.source + " (matrix [" + key +
                           "]); connect the eval.lut instance of this multiplier");
        return it->second;
      };
      const Gathered& b = need(before, "before");
      const json gm = read_json_file(g.file, "approx.ga metrics.json");
      const json bm = read_json_file(b.file, "eval.lut eval.json");
      Row r;
      r.instance = g.source;
      r.key = key;
      r.coord = first_value(key);
      r.transistors = optional_field(gm, "transistors");
      r.ratio = optional_field(gm, "transistor_ratio");
      r.cost_ratio = field(gm, "cost_ratio", g.file, "approx.ga");
      r.er = field(gm, "er", g.file, "approx.ga");
      r.nmed = field(gm, "nmed", g.file, "approx.ga");
      r.wce = field(gm, "wce", g.file, "approx.ga");
      r.wmed = optional_field(gm, "wmed");
      r.exact = field(bm, "exact_accuracy", b.file, "eval.lut");
      r.before = field(bm, "accuracy", b.file, "eval.lut");
      r.images = field(bm, "images", b.file, "eval.lut");
      r.after = std::numeric_limits<double>::quiet_NaN();
      if (tuned) {
        const Gathered& a = need(after, "after");
        const json am = read_json_file(a.file, "eval.lut eval.json");
        r.after = field(am, "accuracy", a.file, "eval.lut");
        if (field(am, "images", a.file, "eval.lut") != r.images)
          throw StageError(a.file.string() + ": evaluated on " + am["images"].dump() + " images but " +
                           b.file.string() + " on " + bm["images"].dump() + "; use the same limit");
      }
      rows.push_back(r);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
      if (std::isnan(x.coord) || std::isnan(y.coord)) return x.key < y.key;
      return x.coord < y.coord;
    });

    std::string csv =
        "instance,coordinate,transistors,transistor_ratio,cost_ratio,er,nmed,wce,wmed,accuracy_exact,accuracy_before,"
        "accuracy_after,drop_before_points,drop_after_points,images\n";
    std::string md =
        "| instance | transistors | ratio | ER | NMED | WCE | WMED | int8 exact | LUT before | LUT after fine-tune |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n";
    std::vector<double> x, yb, ya;
    double best_ratio = std::numeric_limits<double>::quiet_NaN();
    for (const Row& r : rows) {
      csv += '"' + r.instance + "\"," + num(r.coord) + ',' + num(r.transistors) + ',' + num(r.ratio) + ',' +
             num(r.cost_ratio) + ',' + num(r.er) + ',' + num(r.nmed) + ',' + num(r.wce) + ',' + num(r.wmed) + ',' +
             num(r.exact) + ',' + num(r.before) + ',' + num(r.after) + ',' + num(100 * (r.exact - r.before)) + ',' +
             num(100 * (r.exact - r.after)) + ',' + num(r.images) + '\n';
      const auto pct = [](double v, int digits) {
        return std::isnan(v) ? fixed(v, 0) : fixed(100 * v, digits) + "%";
      };
      md += "| " + r.key + " | " + fixed(r.transistors, 0) + " | " + fixed(r.ratio, 3) + " | " + pct(r.er, 1) +
            " | " + pct(r.nmed, 3) + " | " + pct(r.wce, 2) + " | " + pct(r.wmed, 3) + " | " + pct(r.exact, 2) +
            " | " + pct(r.before, 2) + " | " + pct(r.after, 2) + " |\n";
      x.push_back(std::isnan(r.transistors) ? r.cost_ratio : r.transistors);
      yb.push_back(r.before);
      ya.push_back(r.after);
      // The cheapest multiplier whose fine-tuned network is within 0.5 points of exact int8.
      if (!std::isnan(r.after) && r.exact - r.after <= 0.005 && (std::isnan(best_ratio) || r.cost_ratio < best_ratio)) best_ratio = r.cost_ratio;
    }
    write_text(ctx.output("table"), csv);
    write_text(ctx.output("markdown"), md);
    const bool counted = !rows.empty() && !std::isnan(rows.front().transistors);
    Plot::scatter("Network accuracy against multiplier cost", counted ? "multiplier transistors" : "cost ratio",
                  "int8 test accuracy with the LUT")
        .add_series("before fine-tuning", x, yb)
        .add_series("after fine-tuning", x, ya)  // NaN (no fine-tuning): gaps
        .write(ctx.output("plots") / "accuracy.json");

    ctx.metric("instances", static_cast<std::int64_t>(rows.size()));
    if (!std::isnan(best_ratio)) ctx.metric("best_after_ratio", best_ratio);
    for (const Row& r : rows)
      ctx.info(r.instance + ": " + fixed(r.transistors, 0) + " transistors, ER " + fixed(100 * r.er, 1) + "%, NMED " +
               fixed(100 * r.nmed, 3) + "%, accuracy " + fixed(100 * r.before, 2) + "% -> " + fixed(100 * r.after, 2) +
               "% (exact int8 " + fixed(100 * r.exact, 2) + "%)");
  }
};

}  // namespace
}  // namespace flowrun::cnn::report

FLOWRUN_REGISTER_STAGE(flowrun::cnn::report::ApproxTableStage)
