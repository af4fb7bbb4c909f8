// plot.sweep: gathers every instance of a swept stage and draws chosen
// numbers of their JSON artifacts against the swept param (e.g. a decoder's
// eval accuracy against its history length) for report.html, with the same
// numbers in table.csv. It knows nothing of what the numbers mean.
#include "sweep_points.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <fstream>

namespace flowrun::plot {
namespace {

json read_artifact(const fs::path& artifact) {
  std::error_code ec;
  const fs::path file = fs::is_directory(artifact, ec) ? artifact / "metrics.json" : artifact;
  std::ifstream in(file);
  if (!in) throw StageError(file.string() + ": cannot be read (expected a JSON file, or a folder with metrics.json)");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

ParamSpec text_param(std::string name, std::string def, std::string doc) {
  return {.name = std::move(name), .type = ParamType::String, .doc = std::move(doc), .default_value = std::move(def)};
}

class PlotSweepStage : public Stage {
 public:
  PlotSweepStage() {
    spec_.kind = "plot.sweep";
    spec_.version = "1";
    spec_.summary = "Numbers of every instance of a sweep drawn against the swept param";
    spec_.doc =
        "Gathers the artifacts of every instance of a swept stage (`results`, a\n"
        "JSON file each, or a folder holding metrics.json) and picks the numbers\n"
        "named in `y` (dotted paths such as metrics.eval_accuracy, or JSON\n"
        "pointers). Each is drawn against the instance's value of the param `x`:\n"
        "its matrix value (also when inherited from a swept stage upstream) or\n"
        "else its param. Instances swept on further params give one line per\n"
        "combination of those. Writes table.csv (x, the other matrix keys, one\n"
        "column per y; sorted by x) and a line plot for report.html.";
    spec_.inputs = {{.name = "results", .type = "any", .doc = "the artifact of every instance of the sweep",
                     .many = true}};
    spec_.outputs = {
        {.name = "table", .type = "table", .doc = "one row per instance, sorted by x", .file = "table.csv"},
        {.name = "plot", .type = "plot", .doc = "every y against x, one line each, for report.html",
         .file = "plot.json"},
    };
    spec_.params = {
        {.name = "x", .type = ParamType::String, .doc = "the swept param: the x axis"},
        {.name = "y", .type = ParamType::StringList,
         .doc = "the numbers to draw, as paths into each artifact (metrics.eval_accuracy or /metrics/eval_accuracy)"},
        {.name = "y_names", .type = ParamType::StringList, .doc = "a legend name per y (default: the paths)",
         .default_value = json::array()},
        text_param("title", "", "the plot's title (default: \"Y against X\")"),
        text_param("x_label", "", "x axis label (default: x)"),
        text_param("y_label", "", "y axis label (default: the only y's name, else \"value\")"),
        text_param("note", "", "a sentence under the plot"),
        {.name = "log_x", .type = ParamType::Bool, .doc = "logarithmic x axis", .default_value = false},
    };
    spec_.key_metrics = {"points"};
    spec_.resources.threads = ThreadUse::fixed(1);
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const auto files = ctx.inputs("results");
    const auto sources = ctx.input_sources("results");
    const auto params = ctx.input_source_params("results");
    std::vector<SweepInput> inputs;
    for (std::size_t i = 0; i < files.size(); ++i)
      inputs.push_back({.instance = i < sources.size() ? sources[i] : files[i].string(),
                        .params = i < params.size() ? params[i] : json::object(),
                        .doc = read_artifact(files[i]),
                        .file = files[i].string()});
    const auto x = ctx.param<std::string>("x");
    const auto y = ctx.param<std::vector<std::string>>("y");
    const auto names = ctx.param<std::vector<std::string>>("y_names");
    const SweepTable table = gather_sweep(inputs, x, y, names);

    std::ofstream(ctx.output("table"), std::ios::binary) << sweep_csv(table);

    std::string y_label = ctx.param<std::string>("y_label");
    if (y_label.empty()) y_label = y.size() == 1 ? (names.empty() ? y[0] : names[0]) : "value";
    std::string x_label = ctx.param<std::string>("x_label");
    if (x_label.empty()) x_label = x;
    std::string title = ctx.param<std::string>("title");
    if (title.empty()) title = y_label + " against " + x_label;
    Plot plot = Plot::line(title, x_label, y_label);
    for (const auto& s : table.series)
      plot.add_series(s.group.empty() ? s.y : s.y + " [" + s.group + "]", s.x, s.values);
    if (ctx.param<bool>("log_x")) plot.log_x();
    const std::string note = ctx.param<std::string>("note");
    plot.note(note.empty() ? std::to_string(table.rows.size()) + " instances of the sweep over " + x + "." : note);
    plot.write(ctx.output("plot"));
    ctx.metric("points", table.rows.size());
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::plot

FLOWRUN_REGISTER_STAGE(flowrun::plot::PlotSweepStage)
