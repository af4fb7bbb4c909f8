#include "flow_svg.hpp"

#include "html_text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>

namespace flowrun::report_html {

using nlohmann::json;

namespace {

constexpr double kNodeHeight = 40, kLayerGap = 70, kRowGap = 14, kMargin = 10, kCharWidth = 7.2;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const char* status_class(const std::string& status) {
  if (status == "ok") return "st-ok";
  if (status == "cached") return "st-cached";
  if (status == "failed") return "st-failed";
  if (status == "skipped") return "st-skipped";
  return "st-other";
}

}  // namespace

GraphLayout layout_graph(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges) {
  const size_t n = nodes.size();
  GraphLayout g;
  g.layer.assign(n, 0);
  // Longest path from a source; report.json lists stages in an order where
  // every dependency comes first, but relax until stable all the same (a
  // hand-edited report must not loop: at most n rounds).
  for (size_t round = 0; round < n; ++round) {
    bool changed = false;
    for (const auto& e : edges) {
      if (e.from >= n || e.to >= n || e.from == e.to) continue;
      if (g.layer[e.to] < g.layer[e.from] + 1 && g.layer[e.from] + 1 <= static_cast<int>(n)) {
        g.layer[e.to] = g.layer[e.from] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const int layers = n ? *std::max_element(g.layer.begin(), g.layer.end()) + 1 : 0;
  std::vector<std::vector<size_t>> rows(static_cast<size_t>(layers));
  for (size_t i = 0; i < n; ++i) rows[static_cast<size_t>(g.layer[i])].push_back(i);

  // Order within layers: a few downward sweeps placing each node at the mean
  // position of its predecessors (barycenter), ties kept in flow order.
  std::vector<double> pos(n, 0);
  for (const auto& r : rows)
    for (size_t k = 0; k < r.size(); ++k) pos[r[k]] = static_cast<double>(k);
  for (int sweep = 0; sweep < 4; ++sweep) {
    for (size_t l = 1; l < rows.size(); ++l) {
      std::map<size_t, double> bary;
      for (size_t v : rows[l]) {
        double sum = 0;
        int cnt = 0;
        for (const auto& e : edges)
          if (e.to == v && e.from < n && g.layer[e.from] < static_cast<int>(l)) sum += pos[e.from], ++cnt;
        bary[v] = cnt ? sum / cnt : pos[v];
      }
      std::stable_sort(rows[l].begin(), rows[l].end(), [&](size_t a, size_t b) { return bary[a] < bary[b]; });
      for (size_t k = 0; k < rows[l].size(); ++k) pos[rows[l][k]] = static_cast<double>(k);
    }
  }

  g.height = kNodeHeight;
  g.width.assign(n, 0);
  g.x.assign(n, 0);
  g.y.assign(n, 0);
  size_t tallest = 0;
  for (const auto& r : rows) tallest = std::max(tallest, r.size());
  const double column_height = static_cast<double>(tallest) * (kNodeHeight + kRowGap) - kRowGap;
  double x = kMargin;
  for (const auto& r : rows) {
    double w = 0;
    for (size_t v : r)
      w = std::max(w, kCharWidth * static_cast<double>(std::max(nodes[v].name.size(), nodes[v].kind.size())) + 20);
    // Each layer is centred vertically against the tallest one.
    const double h = static_cast<double>(r.size()) * (kNodeHeight + kRowGap) - kRowGap;
    double y = kMargin + (column_height - h) / 2;
    for (size_t v : r) {
      g.x[v] = x;
      g.y[v] = y;
      g.width[v] = w;
      y += kNodeHeight + kRowGap;
    }
    x += w + kLayerGap;
  }
  g.total_width = n ? x - kLayerGap + kMargin : 0;
  g.total_height = n ? column_height + 2 * kMargin : 0;
  return g;
}

std::string graph_svg(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges) {
  const GraphLayout g = layout_graph(nodes, edges);
  std::string svg = "<svg class=\"flow-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(g.total_width) +
                    "\" height=\"" + num(g.total_height) + "\" viewBox=\"0 0 " + num(g.total_width) + " " +
                    num(g.total_height) + "\" role=\"img\" aria-label=\"flow graph\">\n";
  svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
         "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"edge-head\"/></marker></defs>\n";
  for (const auto& e : edges) {
    if (e.from >= nodes.size() || e.to >= nodes.size() || e.from == e.to) continue;
    const double x1 = g.x[e.from] + g.width[e.from], y1 = g.y[e.from] + g.height / 2;
    const double x2 = g.x[e.to], y2 = g.y[e.to] + g.height / 2;
    const double dx = std::max(30.0, (x2 - x1) / 2);
    svg += "<path class=\"edge" + std::string(e.after ? " after" : "") + "\" d=\"M " + num(x1) + " " + num(y1) +
           " C " + num(x1 + dx) + " " + num(y1) + ", " + num(x2 - dx) + " " + num(y2) + ", " + num(x2) + " " +
           num(y2) + "\" marker-end=\"url(#arrow)\"/>\n";
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& v = nodes[i];
    svg += "<a href=\"" + escape(v.anchor) + "\"><g class=\"node " + status_class(v.status) + "\"><title>" +
           escape(v.name + " (" + v.kind + "): " + v.status) + "</title>";
    svg += "<rect x=\"" + num(g.x[i]) + "\" y=\"" + num(g.y[i]) + "\" width=\"" + num(g.width[i]) + "\" height=\"" +
           num(g.height) + "\" rx=\"5\"/>";
    const double cx = g.x[i] + g.width[i] / 2;
    svg += "<text x=\"" + num(cx) + "\" y=\"" + num(g.y[i] + 17) + "\" class=\"node-name\">" + escape(v.name) + "</text>";
    svg += "<text x=\"" + num(cx) + "\" y=\"" + num(g.y[i] + 32) + "\" class=\"node-kind\">" + escape(v.kind) +
           "</text></g></a>\n";
  }
  svg += "</svg>";
  return svg;
}

void graph_from_report(const json& report, std::vector<GraphNode>& nodes, std::vector<GraphEdge>& edges) {
  const json stages = report.value("stages", json::object());
  std::vector<std::string> order;
  if (report.contains("stage_order") && report["stage_order"].is_array()) {
    for (const auto& s : report["stage_order"])
      if (s.is_string() && stages.contains(s.get<std::string>())) order.push_back(s.get<std::string>());
  } else {
    for (auto it = stages.begin(); it != stages.end(); ++it) order.push_back(it.key());
  }
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) {
    const json& s = stages[order[i]];
    nodes.push_back({order[i], s.is_object() ? s.value("kind", "") : "", s.is_object() ? s.value("status", "") : "",
                     "#stage-" + std::to_string(i)});
    index[order[i]] = i;
  }
  std::set<std::pair<size_t, size_t>> seen;
  auto add = [&](const std::string& from, size_t to, bool after) {
    const auto it = index.find(from);
    if (it == index.end() || !seen.insert({it->second, to}).second) return;
    edges.push_back({it->second, to, after});
  };
  for (size_t i = 0; i < order.size(); ++i) {
    const json& s = stages[order[i]];
    if (!s.is_object()) continue;
    if (s.contains("inputs") && s["inputs"].is_object())
      for (const auto& [port, refs] : s["inputs"].items())
        if (refs.is_array())
          for (const auto& r : refs)
            if (r.is_object() && r.contains("stage") && r["stage"].is_string()) add(r["stage"].get<std::string>(), i, false);
    if (s.contains("after") && s["after"].is_array())
      for (const auto& a : s["after"])
        if (a.is_string()) add(a.get<std::string>(), i, true);
  }
}

}  // namespace flowrun::report_html
