// flow_to_dot: the expanded stage graph as Graphviz DOT.
#include "flow_parser.hpp"

#include <map>

namespace flowrun {

namespace {

// A DOT double-quoted string.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string flow_to_dot(const Flow& flow) {
  std::string out = "digraph " + quote(flow.name) + " {\n";
  out += "  rankdir=LR;\n";
  out += "  node [shape=box, fontname=\"Helvetica\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  // Files given as inputs become their own nodes, once each.
  std::map<std::string, std::string> files;
  for (const auto& s : flow.stages)
    for (const auto& [port, refs] : s.inputs)
      for (const auto& ref : refs)
        if (ref.stage.empty() && !files.count(ref.file.string()))
          files[ref.file.string()] = "file:" + ref.file.string();
  for (const auto& [path, id] : files)
    out += "  " + quote(id) + " [shape=note, label=" +
           quote(std::filesystem::path(path).filename().string()) + "];\n";
  for (const auto& s : flow.stages)
    out += "  " + quote(s.name) + " [label=" + quote(s.name + "\n" + s.kind) + "];\n";
  for (const auto& s : flow.stages) {
    for (const auto& [port, refs] : s.inputs)
      for (const auto& ref : refs) {
        if (ref.stage.empty()) {
          out += "  " + quote(files.at(ref.file.string())) + " -> " + quote(s.name) +
                 " [label=" + quote(port) + "];\n";
          continue;
        }
        const std::string label = ref.port == port ? port : ref.port + " -> " + port;
        out += "  " + quote(ref.stage) + " -> " + quote(s.name) + " [label=" + quote(label) +
               "];\n";
      }
    for (const auto& a : s.after)
      out += "  " + quote(a) + " -> " + quote(s.name) + " [style=dashed, label=\"after\"];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace flowrun
