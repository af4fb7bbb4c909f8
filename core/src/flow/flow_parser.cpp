// The flow parser's entry points (flow_parser.hpp); the work is done by
// the flow reader (flow_reader.hpp).
#include "flow_parser.hpp"

#include "flow_reader.hpp"

namespace flowrun {

using flow_reader::FlowReader;

std::vector<fs::path> flow_plugin_paths(const fs::path& file, std::vector<Diagnostic>& diags,
                                        const FlowOptions& options) {
  // Only problems that stop plugins being found are reported here (an
  // unreadable file, YAML syntax, the `plugins` list itself); load_flow
  // reports everything else, so a caller can show both lists.
  std::vector<Diagnostic> scratch;
  FlowReader reader(file, nullptr, options, scratch);
  if (!reader.read_root()) {
    diags.insert(diags.end(), scratch.begin(), scratch.end());
    return {};
  }
  reader.read_vars();
  scratch.clear();
  auto paths = reader.plugin_paths();
  diags.insert(diags.end(), scratch.begin(), scratch.end());
  return paths;
}

Flow load_flow(const fs::path& file, const Registry& registry, const FlowOptions& options,
               std::vector<Diagnostic>& diags) {
  FlowReader reader(file, &registry, options, diags);
  return reader.load();
}

}  // namespace flowrun
