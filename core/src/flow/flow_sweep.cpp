#include "flow_sweep.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace flowrun {

namespace {

// One matrix combination: keys in the order they were first seen
// (inherited keys first, then the stage's own).
struct Combo {
  std::vector<std::string> keys;
  std::map<std::string, json> values;
  std::map<std::string, std::string> texts;
  std::map<std::string, std::string> origin;  // key -> stage that sweeps it
};

bool compatible(const Combo& a, const Combo& b) {
  for (const auto& [key, value] : b.values)
    if (auto it = a.values.find(key); it != a.values.end() && it->second != value) return false;
  return true;
}

Combo merge(Combo a, const Combo& b) {
  for (const auto& key : b.keys) {
    if (a.values.count(key)) continue;
    a.keys.push_back(key);
    a.values[key] = b.values.at(key);
    a.texts[key] = b.texts.at(key);
    a.origin[key] = b.origin.at(key);
  }
  return a;
}

// Names can be long for list values; keep folders manageable.
constexpr size_t kMaxDirLength = 120;

}  // namespace

std::string safe_dir_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '=' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::vector<StageInstance> expand_sweeps(const std::vector<BaseStage>& stages,
                                         const std::vector<size_t>& order,
                                         std::vector<Diagnostic>& diags) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < stages.size(); ++i) index[stages[i].name] = i;
  std::vector<std::vector<Combo>> combos(stages.size());
  std::vector<std::vector<StageInstance>> instances(stages.size());

  for (size_t i : order) {
    const BaseStage& base = stages[i];
    std::vector<Combo> mine{Combo{}};
    bool ok = true;

    // Swept alongside every producer feeding a non-`many` input.
    std::set<std::string> joined;
    for (const auto& input : base.inputs) {
      if (input.many) continue;
      for (const auto& src : input.sources) {
        if (src.stage.empty() || !joined.insert(src.stage).second) continue;
        const auto& theirs = combos[index.at(src.stage)];
        if (theirs.size() == 1 && theirs[0].keys.empty()) continue;
        std::vector<Combo> next;
        for (const auto& a : mine)
          for (const auto& b : theirs)
            if (compatible(a, b)) next.push_back(merge(a, b));
        if (next.empty()) {
          diags.push_back({src.loc, "stage '" + base.name + "' takes inputs from '" + src.stage +
                                        "' and another swept stage, but their matrix values "
                                        "have no combination in common"});
          ok = false;
          break;
        }
        mine = std::move(next);
      }
    }

    // Then the stage's own matrix, as a product.
    for (const auto& axis : base.matrix) {
      if (!ok) break;
      if (!mine.empty() && mine[0].values.count(axis.param)) {
        diags.push_back({axis.loc, "matrix key '" + axis.param + "' of stage '" + base.name +
                                       "' is already swept by upstream stage '" +
                                       mine[0].origin.at(axis.param) +
                                       "' (which this stage follows); sweep it in one place"});
        ok = false;
        break;
      }
      std::vector<Combo> next;
      for (const auto& a : mine)
        for (size_t v = 0; v < axis.values.size(); ++v) {
          Combo c = a;
          c.keys.push_back(axis.param);
          c.values[axis.param] = axis.values[v];
          c.texts[axis.param] = axis.texts[v];
          c.origin[axis.param] = base.name;
          next.push_back(std::move(c));
        }
      mine = std::move(next);
    }
    if (!ok) {
      // Keep going with one plain instance so later stages still expand
      // (their own problems get reported too).
      mine = {Combo{}};
    }
    combos[i] = mine;

    std::set<std::string> names, dirs;
    for (const auto& combo : mine) {
      StageInstance inst;
      inst.base_name = base.name;
      inst.kind = base.kind;
      inst.description = base.description;
      inst.resources = base.resources;
      inst.stage = base.stage;
      inst.loc = base.loc;
      inst.params = base.params;
      inst.name = base.name;
      inst.dir = base.name;
      if (!combo.keys.empty()) {
        std::string label, dir;
        for (const auto& key : combo.keys) {
          label += (label.empty() ? "" : ",") + key + "=" + combo.texts.at(key);
          dir += "." + key + "=" + combo.texts.at(key);
          inst.matrix[key] = combo.values.at(key);
          if (combo.origin.at(key) == base.name) inst.params[key] = combo.values.at(key);
        }
        inst.name = base.name + "[" + label + "]";
        inst.dir = safe_dir_name(base.name + dir);
        if (inst.dir.size() > kMaxDirLength) inst.dir.resize(kMaxDirLength);
      }
      if (!names.insert(inst.name).second) {
        diags.push_back({base.loc, "stage '" + base.name + "' has two instances named '" +
                                       inst.name + "' (repeated matrix values?)"});
        continue;
      }
      // Different values can sanitize to the same folder: number them.
      const std::string stem = inst.dir;
      for (int n = 2; !dirs.insert(inst.dir).second; ++n) inst.dir = stem + "-" + std::to_string(n);

      for (const auto& input : base.inputs) {
        auto& refs = inst.inputs[input.port];
        for (const auto& src : input.sources) {
          if (src.stage.empty()) {
            refs.push_back(InputRef{"", "", src.file, src.loc});
            continue;
          }
          const size_t p = index.at(src.stage);
          for (size_t k = 0; k < combos[p].size() && k < instances[p].size(); ++k) {
            if (!compatible(combo, combos[p][k])) continue;
            refs.push_back(InputRef{instances[p][k].name, src.port, {}, src.loc});
            if (!input.many) break;
          }
        }
      }
      for (const auto& name : base.after)
        for (const auto& producer : instances[index.at(name)])
          if (std::find(inst.after.begin(), inst.after.end(), producer.name) == inst.after.end())
            inst.after.push_back(producer.name);
      instances[i].push_back(std::move(inst));
    }
    // Keep combos and instances index-aligned for consumers.
    if (instances[i].size() != combos[i].size()) {
      std::vector<Combo> kept;
      for (const auto& inst : instances[i])
        for (const auto& c : combos[i]) {
          json m = json::object();
          for (const auto& k : c.keys) m[k] = c.values.at(k);
          if (m == inst.matrix) { kept.push_back(c); break; }
        }
      combos[i] = kept;
    }
  }

  std::vector<StageInstance> out;
  for (auto& group : instances)
    for (auto& inst : group) out.push_back(std::move(inst));
  return out;
}

}  // namespace flowrun
