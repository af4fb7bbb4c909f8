// Reading and validating flow files (docs/flow-format.md).
#pragma once

#include "flow_model.hpp"
#include "registry.hpp"

#include <map>
#include <string>
#include <vector>

namespace flowrun {

struct FlowOptions {
  // Values for ${name} substitution besides the flow's own `vars`, e.g.
  // "site.cell_library" -> "/usr/share/flowrun/cells/flowrun_cells.lib",
  // "flowrun.share" -> "/usr/share/flowrun".
  std::map<std::string, std::string> builtin_vars;
  // --set STAGE.PARAM=VALUE, in command-line order; VALUE is read as YAML.
  std::vector<std::string> overrides;
};

// First pass: the plugin libraries a flow names under `plugins:` (${...}
// substituted, resolved against the flow file's folder, each checked to
// exist). Only problems that stop plugins being found are appended to
// diags (unreadable file, YAML syntax, a bad `plugins` entry); load_flow
// reports the rest, and reports an unreadable file or YAML syntax error
// again, so stop after this pass when it found problems.
std::vector<fs::path> flow_plugin_paths(const fs::path& file,
                                        std::vector<Diagnostic>& diags,
                                        const FlowOptions& options = {});

// Second pass: parse, substitute, expand sweeps and validate everything
// against the registry. All problems are appended to diags (the Flow is
// only meaningful when diags stays empty).
Flow load_flow(const fs::path& file, const Registry& registry,
               const FlowOptions& options, std::vector<Diagnostic>& diags);

// Graphviz DOT of the expanded stage graph.
std::string flow_to_dot(const Flow& flow);

}  // namespace flowrun
