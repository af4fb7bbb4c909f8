// report.html (docs/report.md): the plot format and its checks, the graph
// layout, the page rendered from a run directory (what it links, what it
// warns about, what it escapes), a missing plotting library, and reading a
// run's report.json.
#include "cli_helpers.hpp"
#include "flow_svg.hpp"
#include "plot_file.hpp"
#include "report_html.hpp"

#include <flowrun/plot.hpp>

#include <gtest/gtest.h>

#include <regex>

using namespace flowrun;
using namespace flowrun::testing;
using namespace flowrun::report_html;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

json line_plot() {
  return Plot::line("Loss", "epoch", "loss").add_series("train", {1, 2, 3}, {0.9, 0.5, 0.4}).doc();
}

}  // namespace

TEST(PlotFormat, EveryKindTheSdkWritesIsValid) {
  EXPECT_EQ(check_plot(line_plot()), "");
  EXPECT_EQ(check_plot(Plot::scatter("s", "x", "y").add_series("p", {0}, {1}, "star", 0).doc()), "");
  EXPECT_EQ(check_plot(Plot::bar("b", {"AND2", "INV"}, "cells").add_bars("n", {3, 4}).doc()), "");
  EXPECT_EQ(check_plot(Plot::heatmap("h", "b", -2, 1, "a", -2, 1, "err", {{0, 1, 0, 0}, {0, 0, 0, -1}}).doc()), "");
  EXPECT_EQ(check_plot(Plot::table("t", {"pin", "ns"}).add_row(json::array({"a", 0.1})).doc()), "");
  // A NaN written through the SDK is a gap (null), still valid.
  const json gap = json::parse(Plot::line("g", "x", "y").add_series("s", {1, 2}, {std::nan(""), 1}).doc().dump());
  EXPECT_TRUE(gap["series"][0]["y"][0].is_null());
  EXPECT_EQ(check_plot(gap), "");
}

TEST(PlotFormat, ErrorsSayWhereAndWhatWasExpected) {
  json p = line_plot();
  p.erase("flowrun_plot");
  EXPECT_EQ(check_plot(p), "flowrun_plot: missing (expected the format version, 1)");
  p = line_plot();
  p["flowrun_plot"] = 2;
  EXPECT_NE(check_plot(p).find("version 2 is not known"), std::string::npos);
  p = line_plot();
  p["kind"] = "pie";
  EXPECT_EQ(check_plot(p), "kind: expected one of line, scatter, bar, heatmap, table");
  p = line_plot();
  p["series"][0]["y"].push_back(1);
  EXPECT_EQ(check_plot(p), "series[0]: x has 3 values but y has 4");
  p = line_plot();
  p["series"][0]["x"][1] = "two";
  EXPECT_EQ(check_plot(p), "series[0].x[1]: expected a number or null, got \"two\"");
  p = line_plot();
  p["series"][0]["marker"] = "heart";
  EXPECT_EQ(check_plot(p), "series[0].marker: expected one of circle, cross, star, triangle, rect");
  json h = Plot::heatmap("h", "b", 0, 1, "a", 0, 1, "e", {{0, 1}, {1, 0}}).doc();
  h["z"]["values"][1].push_back(3);
  EXPECT_EQ(check_plot(h), "z.values[1]: expected 2 values like row 0, got 3");
  h = Plot::heatmap("h", "b", 0, 1, "a", 0, 1, "e", {{0, 1}, {1, 0}}).doc();
  h["x"].erase("max");
  EXPECT_EQ(check_plot(h), "x.max: expected a number");
  json t = Plot::table("t", {"a", "b"}).doc();
  t["rows"].push_back(json::array({1}));
  EXPECT_EQ(check_plot(t), "rows[0]: expected an array of 2 cells (one per column)");
  json b = Plot::bar("b", {"x", "y"}, "n").add_bars("s", {1, 2}).doc();
  b["series"][0]["y"].push_back(3);
  EXPECT_EQ(check_plot(b), "series[0].y: expected 2 values (one per category), got 3");
  EXPECT_THROW(Plot::line("l", "x", "y").add_series("s", {1, 2}, {1}), StageError);
  EXPECT_THROW(Plot::bar("b", {"x"}, "n").add_bars("s", {1, 2}), StageError);
}

TEST(FlowGraphLayout, LayersFollowDependenciesAndNodesNeverOverlap) {
  // a -> b -> d, a -> c -> d, e alone, c -> f
  std::vector<GraphNode> nodes;
  for (const char* n : {"a", "b", "c", "d", "e", "f"}) nodes.push_back({n, "demo.kind", "ok", "#x"});
  const std::vector<GraphEdge> edges = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {2, 5, true}};
  const GraphLayout g = layout_graph(nodes, edges);
  EXPECT_EQ(g.layer, (std::vector<int>{0, 1, 1, 2, 0, 2}));
  for (size_t i = 0; i < nodes.size(); ++i)
    for (size_t j = i + 1; j < nodes.size(); ++j)
      if (g.layer[i] == g.layer[j]) EXPECT_GE(std::abs(g.y[i] - g.y[j]), g.height) << i << " " << j;
  for (const auto& e : edges) EXPECT_LT(g.x[e.from] + g.width[e.from], g.x[e.to]);
  // A cycle (a hand-edited report.json) still ends.
  const GraphLayout c = layout_graph(nodes, {{0, 1}, {1, 0}});
  EXPECT_EQ(c.layer.size(), nodes.size());
  const std::string svg = graph_svg(nodes, edges);
  EXPECT_EQ(count(svg, "<g class=\"node"), 6u);
  EXPECT_EQ(count(svg, "<path class=\"edge"), 5u);
  EXPECT_EQ(count(svg, "class=\"edge after\""), 1u);
}

class ReportPageTest : public TempDirTest {
 protected:
  // A run directory by hand: four stages in every status, a good and a bad
  // plot, a name that needs escaping.
  json make_run() {
    const fs::path run = dir_ / "run";
    write_text(run / "src/log.txt", "log\n");
    write_text(run / "src/out/data.csv", "1,2\n");
    fs::create_directories(run / "fit/out/plots");
    Plot::line("Loss </script><b>", "epoch", "loss")
        .add_series("train", {1, 2}, {1, 0.5})
        .write(run / "fit/out/plots/loss.json");
    write_text(run / "fit/out/plots/broken.json", "{\"flowrun_plot\": 1, \"kind\": \"line\"}");
    Plot::table("Path", {"pin", "ns"}).add_row(json::array({"a[0]", 0.25})).write(run / "fit/out/path.json");
    write_text(run / "fit/log.txt", "log\n");
    json report = {
        {"flow", "demo<flow>"}, {"run_id", "r1"}, {"status", "failed"}, {"seconds", 2.5},
        {"stage_order", {"src", "fit", "bad", "after"}},
        {"stages",
         {{"src", {{"kind", "demo.source"}, {"status", "cached"}, {"seconds", 0.1}, {"dir", "src"},
                   {"log", "src/log.txt"}, {"outputs", {{"data", "src/out/data.csv"}}},
                   {"output_types", {{"data", "table"}}}, {"metrics", {{"rows", 2}}},
                   {"inputs", json::object()}, {"started_s", 0.0}, {"finished_s", 0.01}}},
          {"fit", {{"kind", "demo.fit"}, {"status", "ok"}, {"seconds", 1.5}, {"dir", "fit"}, {"log", "fit/log.txt"},
                   {"outputs", {{"plots", "fit/out/plots"}, {"path", "fit/out/path.json"}}},
                   {"output_types", {{"plots", "plot"}, {"path", "plot"}}},
                   {"metrics", {{"a", 1}, {"b", 2.5}, {"c", "nan"}, {"d", 4}, {"e", 5}}},
                   {"key_metrics", {"b"}},
                   {"inputs", {{"data", {{{"stage", "src"}, {"port", "data"}}}}}},
                   {"started_s", 0.01}, {"finished_s", 1.6}}},
          {"bad", {{"kind", "demo.fail"}, {"status", "failed"}, {"seconds", 0.2}, {"dir", "bad"},
                   {"log", "bad/log.txt"}, {"error", "it broke <badly>"}, {"outputs", json::object()},
                   {"inputs", {{"data", {{{"stage", "src"}, {"port", "data"}}}}}},
                   {"started_s", 0.01}, {"finished_s", 0.3}}},
          {"after", {{"kind", "demo.x"}, {"status", "skipped"}, {"seconds", 0}, {"dir", "after"},
                     {"log", "after/log.txt"}, {"outputs", json::object()},
                     {"inputs", {{"x", {{{"stage", "bad"}, {"port", "y"}}}}}}, {"after", {"fit"}}}}}}};
    write_text(run / "report.json", report.dump(2));
    return report;
  }
};

TEST_F(ReportPageTest, PageHoldsGraphTableTimelineAndPlotsAndLinksOnlyWhatExists) {
  const json report = make_run();
  write_text(dir_ / "chart.js", "/* Chart stand-in */ window.Chart = undefined;");
  const ChartLibrary present = load_chart_library(dir_ / "chart.js");
  ASSERT_TRUE(present.ok()) << present.problem;
  const ReportPage page = render_report_html(dir_ / "run", report, present);
  const std::string& h = page.html;

  EXPECT_EQ(count(h, "<g class=\"node"), 4u);
  EXPECT_EQ(count(h, "<path class=\"edge"), 4u);
  EXPECT_EQ(count(h, "<tr id=\"stage-"), 4u);
  EXPECT_NE(h.find("id=\"timeline-chart\""), std::string::npos);
  // Two plots drawn (a line chart and a table), the broken one named in a warning.
  EXPECT_EQ(page.plots, 2u);
  EXPECT_EQ(count(h, "data-kind=\"line\""), 1u);
  EXPECT_EQ(count(h, "data-kind=\"table\""), 1u);
  ASSERT_EQ(page.warnings.size(), 1u);
  EXPECT_NE(page.warnings[0].find("fit/out/plots/broken.json: series: expected a non-empty array"), std::string::npos)
      << page.warnings[0];
  EXPECT_NE(h.find("class=\"warning\""), std::string::npos);
  // Links to files that exist, none to the failed and skipped stages' missing logs.
  EXPECT_NE(h.find("href=\"src/log.txt\""), std::string::npos);
  EXPECT_NE(h.find("href=\"src/out/data.csv\""), std::string::npos);
  EXPECT_EQ(h.find("href=\"bad/log.txt\""), std::string::npos);
  EXPECT_EQ(h.find("href=\"after/log.txt\""), std::string::npos);
  // Key metrics first, every metric one click away; errors shown, escaped.
  EXPECT_NE(h.find("all 5 metrics"), std::string::npos);
  EXPECT_NE(h.find("it broke &lt;badly&gt;"), std::string::npos);
  EXPECT_NE(h.find("demo&lt;flow&gt;"), std::string::npos);
  // Data inside <script> cannot end it: one "</script>" per script element.
  EXPECT_EQ(count(h, "</script>"), count(h, "<script"));
  EXPECT_NE(h.find("Loss \\u003c/script>"), std::string::npos);
  // The library is inlined, nothing is loaded from elsewhere.
  EXPECT_NE(h.find("Chart stand-in"), std::string::npos);
  EXPECT_EQ(h.find("src=\"http"), std::string::npos);
  EXPECT_EQ(h.find("<script src"), std::string::npos);
}

TEST_F(ReportPageTest, MissingPlottingLibraryIsExplainedAndTablesStay) {
  const json report = make_run();
  const ChartLibrary missing = load_chart_library(dir_ / "no-chart.min.js");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.problem.find("libjs-chart.js"), std::string::npos);
  EXPECT_NE(missing.problem.find("FLOWRUN_CHART_JS"), std::string::npos);
  const ReportPage page = render_report_html(dir_ / "run", report, missing);
  EXPECT_NE(page.html.find("Chart.js not found at"), std::string::npos);
  EXPECT_EQ(page.plots, 1u);  // the table needs no library
  EXPECT_EQ(page.html.find("data-chart="), std::string::npos);
  EXPECT_EQ(count(page.html, "<tr id=\"stage-"), 4u);

  write_text(dir_ / "bad.js", "var s = '</script>'; Chart = 1;");
  EXPECT_NE(load_chart_library(dir_ / "bad.js").problem.find("cannot be inlined"), std::string::npos);
}

TEST_F(ReportPageTest, ReadRunReportNamesTheFileAndWhatWasExpected) {
  auto message = [](const fs::path& dir) {
    try {
      read_run_report(dir);
    } catch (const ReportError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir_ / "nothing").find("not a folder"), std::string::npos);
  fs::create_directories(dir_ / "empty");
  EXPECT_NE(message(dir_ / "empty").find("empty/report.json: not found"), std::string::npos);
  write_text(dir_ / "garbage/report.json", "{\"stages\": ");
  EXPECT_NE(message(dir_ / "garbage").find("garbage/report.json: not valid JSON at byte"), std::string::npos);
  write_text(dir_ / "nostages/report.json", "{\"flow\": \"x\"}");
  EXPECT_NE(message(dir_ / "nostages").find("expected an object \"stages\""), std::string::npos);
}
