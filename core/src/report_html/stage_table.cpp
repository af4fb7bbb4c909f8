#include "stage_table.hpp"

#include "html_text.hpp"

#include <algorithm>

namespace flowrun::report_html {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string metric_html(const std::string& name, const json& value) {
  return "<span class=\"metric\">" + escape(name) + " <b>" + escape(format_value(value)) + "</b></span>";
}

// A link when the file or folder exists under the run directory.
std::string link(const fs::path& run_dir, const std::string& rel, const std::string& text) {
  std::error_code ec;
  if (rel.empty() || !fs::exists(run_dir / rel, ec)) return "";
  return "<a href=\"" + href(rel) + "\">" + escape(text) + "</a>";
}

}  // namespace

std::string stage_table_html(const fs::path& run_dir, const json& report) {
  const json stages = report.value("stages", json::object());
  std::vector<std::string> order;
  if (report.contains("stage_order") && report["stage_order"].is_array()) {
    for (const auto& s : report["stage_order"])
      if (s.is_string() && stages.contains(s.get<std::string>())) order.push_back(s.get<std::string>());
  } else {
    for (auto it = stages.begin(); it != stages.end(); ++it) order.push_back(it.key());
  }
  std::string h =
      "<table class=\"stages\"><thead><tr><th>stage</th><th>kind</th><th>status</th><th>time</th><th>start</th>"
      "<th>key metrics</th><th>files</th></tr></thead><tbody>\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const json& s = stages[order[i]];
    if (!s.is_object()) continue;
    const std::string status = str(s, "status");
    h += "<tr id=\"stage-" + std::to_string(i) + "\"><td><b>" + escape(order[i]) + "</b>";
    if (const std::string d = str(s, "description"); !d.empty()) h += "<br><span class=\"muted\">" + escape(d) + "</span>";
    h += "</td><td>" + escape(str(s, "kind"));
    if (const std::string v = str(s, "version"); !v.empty()) h += " <span class=\"muted\">v" + escape(v) + "</span>";
    h += "</td><td><span class=\"badge b-" + escape(status) + "\">" + escape(status) + "</span></td>";
    const bool ran = status == "ok" || status == "cached" || status == "failed";
    h += "<td class=\"num\">" + (ran && s.contains("seconds") && s["seconds"].is_number() ? escape(format_seconds(s["seconds"].get<double>())) : "") + "</td>";
    h += "<td class=\"num\">" + (s.contains("started_s") && s["started_s"].is_number() ? escape(format_seconds(s["started_s"].get<double>())) : "") + "</td>";

    h += "<td class=\"metrics\">";
    if (status == "failed") h += "<div class=\"error-text\">" + escape(str(s, "error")) + "</div>";
    const json metrics = s.value("metrics", json::object());
    if (metrics.is_object() && !metrics.empty()) {
      std::vector<std::string> keys;
      if (s.contains("key_metrics") && s["key_metrics"].is_array())
        for (const auto& k : s["key_metrics"])
          if (k.is_string() && metrics.contains(k.get<std::string>())) keys.push_back(k.get<std::string>());
      if (keys.empty())
        for (auto it = metrics.begin(); it != metrics.end() && keys.size() < 4; ++it) keys.push_back(it.key());
      for (const auto& k : keys) h += metric_html(k, metrics[k]);
      if (metrics.size() > keys.size()) {
        h += "<details><summary>all " + std::to_string(metrics.size()) + " metrics</summary>";
        for (auto it = metrics.begin(); it != metrics.end(); ++it) h += metric_html(it.key(), it.value());
        h += "</details>";
      }
    }
    if (s.contains("matrix") && s["matrix"].is_object() && !s["matrix"].empty()) {
      h += "<div class=\"muted\">";
      for (auto it = s["matrix"].begin(); it != s["matrix"].end(); ++it) h += escape(it.key() + "=" + format_value(it.value())) + " ";
      h += "</div>";
    }
    h += "</td><td class=\"links\">";
    h += link(run_dir, str(s, "log"), "log");
    const std::string dir = str(s, "dir");
    if (!dir.empty()) h += link(run_dir, (fs::path(dir) / "manifest.json").generic_string(), "manifest");
    const json outputs = s.value("outputs", json::object());
    if (outputs.is_object())
      for (auto it = outputs.begin(); it != outputs.end(); ++it)
        if (it.value().is_string()) h += link(run_dir, it.value().get<std::string>(), it.key());
    h += "</td></tr>\n";
  }
  return h + "</tbody></table>\n";
}

}  // namespace flowrun::report_html
