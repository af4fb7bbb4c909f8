#include "flow_graph.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace flowrun {

std::vector<std::string> instance_dependencies(const StageInstance& instance) {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  };
  // Ports in declaration order would need the spec; map order is stable.
  for (const auto& [port, refs] : instance.inputs)
    for (const auto& ref : refs) add(ref.stage);
  for (const auto& name : instance.after) add(name);
  return out;
}

static std::vector<std::vector<size_t>> instance_deps(const Flow& flow) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < flow.stages.size(); ++i) index[flow.stages[i].name] = i;
  std::vector<std::vector<size_t>> deps(flow.stages.size());
  for (size_t i = 0; i < flow.stages.size(); ++i)
    for (const auto& name : instance_dependencies(flow.stages[i]))
      if (auto it = index.find(name); it != index.end()) deps[i].push_back(it->second);
  return deps;
}

std::vector<std::string> topological_order(const Flow& flow) {
  std::vector<std::string> out;
  for (size_t i : topological_sort(instance_deps(flow))) out.push_back(flow.stages[i].name);
  return out;
}

std::vector<std::string> downstream_of(const Flow& flow, const std::string& instance) {
  const auto deps = instance_deps(flow);
  std::set<size_t> affected;
  for (size_t i = 0; i < flow.stages.size(); ++i)
    if (flow.stages[i].name == instance) affected.insert(i);
  std::vector<std::string> out;
  // Topological order guarantees producers are decided before consumers.
  for (size_t i : topological_sort(deps)) {
    if (affected.count(i)) continue;
    for (size_t d : deps[i])
      if (affected.count(d)) {
        affected.insert(i);
        out.push_back(flow.stages[i].name);
        break;
      }
  }
  return out;
}

std::vector<std::vector<size_t>> find_cycles(const std::vector<std::vector<size_t>>& deps) {
  const size_t n = deps.size();
  enum Color { White, Grey, Black };
  std::vector<Color> color(n, White);
  std::vector<size_t> stack;  // the current DFS path; each node needs the next
  std::set<std::vector<size_t>> seen;
  std::vector<std::vector<size_t>> cycles;

  std::function<void(size_t)> visit = [&](size_t u) {
    color[u] = Grey;
    stack.push_back(u);
    for (size_t d : deps[u]) {
      if (d >= n) continue;
      if (color[d] == White) {
        visit(d);
      } else if (color[d] == Grey) {
        // Back edge: the path from d to u, and u needs d again.
        auto from = std::find(stack.begin(), stack.end(), d);
        std::vector<size_t> cycle(from, stack.end());
        std::reverse(cycle.begin(), cycle.end());  // data-flow order
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        if (seen.insert(cycle).second) cycles.push_back(cycle);
      }
    }
    stack.pop_back();
    color[u] = Black;
  };
  for (size_t i = 0; i < n; ++i)
    if (color[i] == White) visit(i);
  return cycles;
}

std::vector<size_t> topological_sort(const std::vector<std::vector<size_t>>& deps) {
  const size_t n = deps.size();
  std::vector<size_t> missing(n, 0);
  std::vector<std::vector<size_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    std::set<size_t> unique(deps[i].begin(), deps[i].end());
    for (size_t d : unique) {
      if (d >= n) continue;
      ++missing[i];
      dependents[d].push_back(i);
    }
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (missing[i] == 0) ready.insert(i);
  std::vector<size_t> out;
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    out.push_back(i);
    for (size_t j : dependents[i])
      if (--missing[j] == 0) ready.insert(j);
  }
  return out;
}

}  // namespace flowrun
