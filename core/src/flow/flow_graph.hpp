// Graph helpers over a loaded Flow (for the planner, executors and CLI),
// plus the small generic graph algorithms the parser uses.
#pragma once

#include "flow_model.hpp"

#include <string>
#include <vector>

namespace flowrun {

// Instance names the instance needs finished first: the producers of its
// inputs, then its `after` stages; each once, in first-mention order.
std::vector<std::string> instance_dependencies(const StageInstance& instance);

// Every instance name, dependencies before dependents; among instances
// that are ready at the same time, declaration order wins (so the order is
// deterministic). Requires an acyclic flow (load_flow guarantees it).
std::vector<std::string> topological_order(const Flow& flow);

// Every instance that depends, directly or not, on `instance` (e.g. to
// mark them skipped when it fails), in topological order.
std::vector<std::string> downstream_of(const Flow& flow, const std::string& instance);

// --- generic: nodes 0..n-1, deps[i] = the nodes node i depends on ---

// Each distinct cycle once, in data-flow order (a node is followed by a
// node that depends on it), starting at its lowest node index.
std::vector<std::vector<size_t>> find_cycles(const std::vector<std::vector<size_t>>& deps);

// Dependencies first; ties broken by lowest index. Nodes on or behind a
// cycle are left out.
std::vector<size_t> topological_sort(const std::vector<std::vector<size_t>>& deps);

}  // namespace flowrun
