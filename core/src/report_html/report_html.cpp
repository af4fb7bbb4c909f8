#include "report_html.hpp"

#include "chart_library.hpp"
#include "flow_svg.hpp"
#include "html_text.hpp"
#include "page_assets.hpp"
#include "plot_file.hpp"
#include "stage_table.hpp"

#include "stage_exec.hpp"  // write_file_atomic

#include <algorithm>
#include <fstream>

namespace flowrun {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace report_html;

namespace {

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// Timeline rows: every stage that ran or was looked up, in start order.
json timeline_rows(const json& report) {
  json rows = json::array();
  const json stages = report.value("stages", json::object());
  for (const auto& name : report.value("stage_order", json::array())) {
    if (!name.is_string() || !stages.contains(name.get<std::string>())) continue;
    const json& s = stages[name.get<std::string>()];
    if (!s.is_object() || !s.contains("started_s") || !s["started_s"].is_number() || !s.contains("finished_s") ||
        !s["finished_s"].is_number())
      continue;
    rows.push_back({{"name", name}, {"status", str(s, "status")}, {"start", s["started_s"]}, {"end", s["finished_s"]}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const json& a, const json& b) { return a["start"].get<double>() < b["start"].get<double>(); });
  return rows;
}

std::string plot_table_html(const json& plot) {
  std::string h = "<table class=\"plot-data\"><thead><tr>";
  for (const auto& c : plot["columns"]) h += "<th>" + escape(c.get<std::string>()) + "</th>";
  h += "</tr></thead><tbody>\n";
  for (const auto& row : plot["rows"]) {
    h += "<tr>";
    for (const auto& cell : row)
      h += std::string(cell.is_number() ? "<td class=\"num\">" : "<td>") + (cell.is_null() ? "" : escape(format_value(cell))) + "</td>";
    h += "</tr>\n";
  }
  return h + "</tbody></table>";
}

// Canvas size per kind: heatmaps square-ish, wide line plots.
std::pair<int, int> canvas_size(const json& plot) {
  const std::string kind = plot["kind"].get<std::string>();
  if (kind == "heatmap") return {460, 420};
  if (kind == "bar") {
    const int n = static_cast<int>(plot["categories"].size() * plot["series"].size());
    return {std::min(1100, std::max(460, 60 + 26 * n)), 320};
  }
  return {560, 340};
}

}  // namespace

ReportPage render_report_html(const fs::path& run_dir, const json& report) {
  return render_report_html(run_dir, report, chart_library());
}

ReportPage render_report_html(const fs::path& run_dir, const json& report, const ChartLibrary& lib) {
  ReportPage page;
  if (!lib.ok()) page.warnings.push_back(lib.problem);

  const std::string flow = str(report, "flow");
  const std::string status = str(report, "status");
  const json stages = report.value("stages", json::object());
  std::string& h = page.html;
  h.reserve(lib.source.size() + 256 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"generator\" content=\"flowrun\">\n";
  h += "<title>" + escape(flow) + " — flowrun run " + escape(status) + "</title>\n<style>" + kPageStyle + "</style>\n</head>\n<body>\n";

  h += "<header><h1>" + escape(flow) + " <span class=\"badge b-" + escape(status) + "\">" + escape(status) + "</span></h1>\n";
  h += "<p>" + std::to_string(stages.size()) + " stages, " +
       escape(format_seconds(report.contains("seconds") && report["seconds"].is_number() ? report["seconds"].get<double>() : -1)) +
       ", run <code>" + escape(str(report, "run_id")) + "</code>";
  if (const std::string file = str(report, "flow_file"); !file.empty()) h += ", flow <code>" + escape(file) + "</code>";
  h += "</p>\n";
  if (const std::string d = str(report, "description"); !d.empty()) h += "<p>" + escape(d) + "</p>\n";
  h += "<p><a href=\"report.json\" style=\"color:#bfdbfe\">report.json</a></p></header>\n<main>\n";

  std::vector<PlotEntry> plots = collect_plots(run_dir, report);
  for (const auto& p : plots)
    if (!p.error.empty()) page.warnings.push_back("plot of stage " + p.stage + " (" + p.port + ") left out: " + p.error);
  for (const auto& w : page.warnings) h += "<div class=\"warning\">" + escape(w) + "</div>\n";

  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  graph_from_report(report, nodes, edges);
  h += "<section id=\"graph\"><h2>Flow graph</h2><div class=\"graph-box\">" + graph_svg(nodes, edges) + "</div></section>\n";

  h += "<section id=\"stages\"><h2>Stages</h2>\n" + stage_table_html(run_dir, report) + "</section>\n";

  // The page's data: the plots as their files hold them (spliced in, not
  // parsed into the page again: a sweep's error maps are half a million
  // numbers) and the timeline.
  std::string plot_data;
  const json timeline = timeline_rows(report);
  h += "<section id=\"timeline\"><h2>Timeline</h2>\n";
  if (timeline.empty()) {
    h += "<p class=\"muted\">No stage times in report.json (no stage ran, or an older flowrun wrote it).</p>";
  } else if (lib.ok()) {
    const int height = 50 + 22 * static_cast<int>(timeline.size());
    h += "<figure class=\"plot\" id=\"timeline-chart\" data-kind=\"timeline\" data-chart=\"timeline\"><canvas width=\"900\" height=\"" + std::to_string(height) +
         "\"></canvas></figure>";
  } else {
    h += "<p class=\"muted\">The timeline needs Chart.js (see above).</p>";
  }
  h += "</section>\n";

  h += "<section id=\"plots\"><h2>Plots</h2>\n";
  bool any = false;
  std::string current_stage;
  for (size_t i = 0; i < plots.size(); ++i) {
    const PlotEntry& p = plots[i];
    if (!p.error.empty()) continue;
    const std::string kind = p.plot["kind"].get<std::string>();
    if (kind != "table" && !lib.ok()) continue;
    if (p.stage != current_stage) {
      if (any) h += "</div>\n";
      const std::string kind_name = stages.contains(p.stage) && stages[p.stage].is_object() ? str(stages[p.stage], "kind") : "";
      h += "<h3>" + escape(p.stage) + " <span class=\"muted\">" + escape(kind_name) + "</span></h3>\n<div class=\"plots\">\n";
      current_stage = p.stage;
      any = true;
    }
    const std::string id = "plot-" + std::to_string(i);
    const std::string title = p.plot.value("title", "");
    std::string caption = "<figcaption><b>" + escape(title.empty() ? p.port : title) + "</b> — <a href=\"" + href(p.file) +
                          "\">" + escape(p.file) + "</a></figcaption>";
    const std::string note = p.plot.contains("note") ? "<p class=\"note\">" + escape(p.plot["note"].get<std::string>()) + "</p>" : "";
    if (kind == "table") {
      h += "<figure class=\"plot plot-table\" id=\"" + id + "\" data-kind=\"table\">" + caption + plot_table_html(p.plot) + note + "</figure>\n";
    } else {
      const auto [w, ht] = canvas_size(p.plot);
      h += "<figure class=\"plot\" id=\"" + id + "\" data-kind=\"" + escape(kind) + "\" data-chart=\"" + id + "\">" + caption +
           "<canvas width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(ht) + "\"></canvas>" + note + "</figure>\n";
      plot_data += (plot_data.empty() ? "" : ",") + json(id).dump() + ":" + script_text(p.text);
    }
    ++page.plots;
  }
  if (any) h += "</div>\n";
  else h += "<p class=\"muted\">No stage of this run contributed a plot (outputs of artifact type <code>plot</code>).</p>\n";
  h += "</section>\n</main>\n";

  h += "<script type=\"application/json\" id=\"flowrun-data\">{\"plots\":{" + plot_data + "},\"timeline\":" +
       script_json(timeline) + "}</script>\n";
  if (lib.ok()) {
    h += "<script>/* Chart.js from " + escape(lib.path.string()) + " */\n" + lib.source + "\n</script>\n";
    h += std::string("<script>") + kPageScript + "</script>\n";
  }
  h += "</body>\n</html>\n";
  return page;
}

ReportPage write_report_html(const fs::path& run_dir, const json& report) {
  ReportPage page = render_report_html(run_dir, report);
  write_file_atomic(run_dir / "report.html", page.html);
  return page;
}

bool write_report_html_after_run(const fs::path& run_dir, const json& report, std::ostream& err) {
  try {
    const ReportPage page = write_report_html(run_dir, report);
    for (const auto& w : page.warnings) err << "flowrun: warning: " << w << "\n";
    return true;
  } catch (const std::exception& e) {
    err << "flowrun: warning: report.html not written: " << e.what() << "\n";
    return false;
  }
}

int report_command(const fs::path& run_dir, std::ostream& out, std::ostream& err) {
  json report;
  try {
    report = read_run_report(run_dir);
  } catch (const ReportError& e) {
    err << "flowrun report: error: " << e.what() << "\n";
    return 2;
  }
  try {
    const ReportPage page = write_report_html(run_dir, report);
    for (const auto& w : page.warnings) err << "flowrun: warning: " << w << "\n";
    out << (run_dir / "report.html").string() << ": " << page.plots << " plot" << (page.plots == 1 ? "" : "s") << "\n";
  } catch (const std::exception& e) {
    err << "flowrun report: error: " << (run_dir / "report.html").string() << " not written: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

json read_run_report(const fs::path& run_dir) {
  const fs::path file = run_dir / "report.json";
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) throw ReportError(run_dir.string() + ": not a folder (expected a flowrun run directory)");
  if (!fs::is_regular_file(file, ec))
    throw ReportError(file.string() + ": not found (expected the report.json a flowrun run writes; is " +
                      run_dir.string() + " a run directory?)");
  std::ifstream in(file, std::ios::binary);
  json report;
  try {
    report = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ReportError(file.string() + ": not valid JSON at byte " + std::to_string(e.byte) + " (expected flowrun's report.json)");
  }
  if (!report.is_object()) throw ReportError(file.string() + ": expected a JSON object");
  if (!report.contains("stages") || !report["stages"].is_object())
    throw ReportError(file.string() + ": expected an object \"stages\" (one entry per stage)");
  if (report.contains("stage_order") && !report["stage_order"].is_array())
    throw ReportError(file.string() + ": \"stage_order\" must be an array of stage names");
  return report;
}

}  // namespace flowrun
