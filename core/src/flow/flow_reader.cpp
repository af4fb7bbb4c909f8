// Reading a flow file: YAML -> checked stages -> expanded instances.
// Every problem is collected (never thrown) so the user sees them all at
// once, each at the place in the file it comes from. This file: the file
// itself, top-level keys, vars, plugins, cycles and the whole pass.
#include "flow_reader.hpp"

#include "did_you_mean.hpp"
#include "flow_graph.hpp"
#include "yaml_limits.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace flowrun::flow_reader {

std::vector<Entry> FlowReader::entries(const YAML::Node& map, const std::string& what) {
  std::vector<Entry> out;
  std::map<std::string, SourceLoc> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error(at(key), what + ": keys must be plain names");
      continue;
    }
    const std::string name = key.Scalar();
    if (auto s = seen.find(name); s != seen.end()) {
      error(at(key), what + ": duplicate key '" + name + "' (first at line " +
                         std::to_string(s->second.line) + ")");
      continue;
    }
    seen[name] = at(key);
    out.push_back({name, key, it->second});
  }
  return out;
}

std::optional<std::string> FlowReader::scalar_text(const YAML::Node& node,
                                                   const std::string& what) {
  if (!node.IsScalar()) {
    error(at(node), what + " must be a single value (text)");
    return std::nullopt;
  }
  return vars_.expand(node.Scalar(), at(node), diags_);
}

bool FlowReader::read_root() {
  try {
    std::error_code ec;
    if (fs::is_directory(file_, ec)) {
      error({file_.string(), 0, 0}, "is a folder, not a flow file");
      return false;
    }
    std::ifstream in(file_);
    if (!in) {
      error({file_.string(), 0, 0}, "cannot open the flow file");
      return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    root_ = load_bounded_yaml(text.str());
  } catch (const YAML::Exception& e) {
    error(where_.at(e.mark), "YAML syntax: " + e.msg);
    return false;
  }
  if (!root_.IsMap()) {
    error({file_.string(), 1, 1}, "a flow file must be a YAML map with a `stages:` key");
    return false;
  }
  for (auto& e : entries(root_, "flow")) {
    if (std::find(kTopKeys.begin(), kTopKeys.end(), e.key) == kTopKeys.end()) {
      std::string help = did_you_mean(e.key, kTopKeys);
      if (help.empty()) help = " (known keys: " + join(kTopKeys) + ")";
      error(at(e.key_node), "unknown top-level key '" + e.key + "'" + help);
      continue;
    }
    top_.emplace(e.key, e);
  }
  return true;
}

void FlowReader::read_vars() {
  auto it = top_.find("vars");
  if (it == top_.end() || it->second.value.IsNull()) return;
  const YAML::Node& vars = it->second.value;
  if (!vars.IsMap()) {
    error(at(vars), "`vars` must be a map of name: value");
    return;
  }
  // In order, so a var may use builtins and the vars above it.
  for (auto& e : entries(vars, "vars")) {
    if (!safe_var_name(e.key)) {
      error(at(e.key_node), "var name '" + e.key + "' must be letters, digits, '_' or '-'");
      continue;
    }
    if (!e.value.IsScalar()) {
      error(at(e.value.IsNull() ? e.key_node : e.value),
            "var '" + e.key + "' must be a single value (number, bool or text)");
      continue;
    }
    auto value = vars_.expand_scalar(e.value.Scalar(), e.value.Tag() == "!", at(e.value), diags_);
    auto text = vars_.expand(e.value.Scalar(), at(e.value), diags_);
    if (!value || !text) continue;
    // The text of an exact "${x}" is x's own text.
    vars_.define(e.key, *value, value->is_string() ? value->get<std::string>() : *text);
  }
}

std::vector<fs::path> FlowReader::plugin_paths() {
  std::vector<fs::path> out;
  auto it = top_.find("plugins");
  if (it == top_.end() || it->second.value.IsNull()) return out;
  const YAML::Node& list = it->second.value;
  if (!list.IsSequence()) {
    error(at(list), "`plugins` must be a list of plugin library paths");
    return out;
  }
  for (const auto& item : list) {
    auto text = scalar_text(item, "a `plugins` entry");
    if (!text) continue;
    fs::path p(*text);
    if (p.is_relative()) p = dir_ / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      error(at(item), "plugin library '" + *text + "' does not exist (looked for " + p.string() +
                          ")");
      continue;
    }
    out.push_back(p);
  }
  return out;
}

bool FlowReader::check_cycles() {
  std::vector<std::vector<size_t>> deps(stages_.size());
  for (size_t i = 0; i < stages_.size(); ++i) {
    for (const auto& input : stages_[i].base.inputs)
      for (const auto& src : input.sources)
        if (!src.stage.empty()) deps[i].push_back(index_.at(src.stage));
    for (const auto& name : stages_[i].base.after) deps[i].push_back(index_.at(name));
  }
  const auto cycles = find_cycles(deps);
  for (const auto& cycle : cycles) {
    std::string text;
    for (size_t i : cycle) text += stages_[i].name + " -> ";
    text += stages_[cycle.front()].name;
    error(stages_[cycle.front()].loc, "cycle: " + text);
  }
  return cycles.empty();
}

Flow FlowReader::load() {
  Flow flow;
  flow.file = fs::absolute(file_).lexically_normal();
  flow.name = file_.stem().string();
  const size_t first = diags_.size();
  if (read_root()) {
    read_vars();
    if (auto it = top_.find("name"); it != top_.end())
      if (auto s = scalar_text(it->second.value, "`name`")) flow.name = *s;
    if (auto it = top_.find("description"); it != top_.end())
      if (auto s = scalar_text(it->second.value, "`description`")) flow.description = *s;

    auto stages = top_.find("stages");
    if (stages == top_.end()) {
      error({file_.string(), 1, 1}, "the flow has no `stages:`");
    } else if (!stages->second.value.IsMap() || stages->second.value.size() == 0) {
      error(at(stages->second.value.IsNull() ? stages->second.key_node : stages->second.value),
            "`stages` must be a map of stage name: {uses: KIND, ...} with at least one stage");
    } else {
      read_stage_names(stages->second.value);
      for (auto& raw : stages_) read_stage(raw);
      for (size_t i = 0; i < options_.overrides.size(); ++i)
        apply_override(i, options_.overrides[i]);
      for (auto& raw : stages_)
        if (raw.base.stage) resolve_params(raw);
      const bool acyclic = check_cycles();
      if (acyclic && diags_.size() == first) {
        std::vector<BaseStage> bases;
        for (const auto& raw : stages_) bases.push_back(raw.base);
        std::vector<std::vector<size_t>> deps(bases.size());
        for (size_t i = 0; i < bases.size(); ++i) {
          for (const auto& in : bases[i].inputs)
            for (const auto& src : in.sources)
              if (!src.stage.empty()) deps[i].push_back(index_.at(src.stage));
          for (const auto& a : bases[i].after) deps[i].push_back(index_.at(a));
        }
        flow.stages = expand_sweeps(bases, topological_sort(deps), diags_);
      }
    }
  }
  // File order reads best; command-line problems come last.
  std::stable_sort(diags_.begin() + static_cast<std::ptrdiff_t>(first), diags_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     const bool ca = a.loc.file == kCommandLine, cb = b.loc.file == kCommandLine;
                     if (ca != cb) return cb;
                     if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
                     return a.loc.col < b.loc.col;
                   });
  if (diags_.size() != first) flow.stages.clear();
  return flow;
}

}  // namespace flowrun::flow_reader
