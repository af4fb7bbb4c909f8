// The flow graph of report.html as inline SVG, laid out here (no Graphviz
// at run time): stages in layers by longest path from the sources, ordered
// within a layer to keep edges short, joined by curves; each box coloured by
// the stage's status and linked to its row of the stage table.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flowrun::report_html {

struct GraphNode {
  std::string name;
  std::string kind;
  std::string status;
  std::string anchor;  // link target, "#stage-3"
};

struct GraphEdge {
  size_t from = 0, to = 0;  // node indexes
  bool after = false;       // an `after:` ordering, not data
};

struct GraphLayout {
  std::vector<int> layer;     // per node
  std::vector<double> x, y;   // top-left corner per node
  std::vector<double> width;  // per node
  double height = 0;          // of every node
  double total_width = 0, total_height = 0;
};

// Layers and positions; deterministic for the same graph.
GraphLayout layout_graph(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges);
std::string graph_svg(const std::vector<GraphNode>& nodes, const std::vector<GraphEdge>& edges);

// Nodes and edges from report.json (stage_order, each stage's inputs and
// after); anchors follow stage_order's positions.
void graph_from_report(const nlohmann::json& report, std::vector<GraphNode>& nodes, std::vector<GraphEdge>& edges);

}  // namespace flowrun::report_html
