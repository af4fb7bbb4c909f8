// The flow reader's params: --set overrides, defaults (with ${site.*}),
// and every declared param resolved and checked.
#include "flow_reader.hpp"

#include "did_you_mean.hpp"
#include "flow_params.hpp"
#include "yaml_limits.hpp"

#include <algorithm>

namespace flowrun::flow_reader {

// --set STAGE.PARAM=VALUE. Places are "<command line>:N:COL": the N-th
// --set, COL the column inside its argument.
void FlowReader::apply_override(size_t index, const std::string& arg) {
  const int n = static_cast<int>(index) + 1;
  auto loc = [&](size_t col) { return SourceLoc{kCommandLine, n, static_cast<int>(col) + 1}; };
  const std::string what = "--set " + arg;
  const size_t eq = arg.find('=');
  const size_t dot = arg.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
      dot + 1 == eq) {
    error(loc(0), what + ": expected STAGE.PARAM=VALUE");
    return;
  }
  const std::string stage = arg.substr(0, dot);
  const std::string param = arg.substr(dot + 1, eq - dot - 1);
  const std::string text = arg.substr(eq + 1);
  auto it = index_.find(stage);
  if (it == index_.end()) {
    std::vector<std::string> names;
    for (const auto& s : stages_) names.push_back(s.name);
    error(loc(0), what + ": the flow has no stage '" + stage + "'" + did_you_mean(stage, names));
    return;
  }
  RawStage& raw = stages_[it->second];
  if (!raw.base.stage) return;  // unknown kind, reported in the file
  const auto& spec = raw.base.stage->spec();
  if (!spec.param(param)) {
    std::string help = did_you_mean(param, names_of(spec.params));
    if (help.empty() && !spec.params.empty()) help = " (params: " + join(names_of(spec.params)) + ")";
    error(loc(dot + 1), what + ": " + describe(raw) + " has no param '" + param + "'" + help);
    return;
  }
  for (const auto& axis : raw.base.matrix)
    if (axis.param == param) {
      error(loc(dot + 1), what + ": param '" + param + "' of stage '" + stage +
                              "' is swept by its `matrix`; edit the matrix instead");
      return;
    }
  YAML::Node node;
  try {
    node = text.empty() ? YAML::Node(std::string()) : load_bounded_yaml(text);
  } catch (const YAML::Exception& e) {
    error(loc(eq + 1), what + ": the value is not valid YAML: " + e.msg);
    return;
  }
  if (text.empty()) node.SetTag("!");  // an empty value is the empty string
  Locator fixed{kCommandLine, loc(eq + 1)};
  auto value = read_value(node, fixed, vars_, diags_);
  if (!value) return;
  raw.given[param] = Given{*value, true};
}

std::optional<json> FlowReader::resolve_default(const RawStage& raw, const ParamSpec& p) {
  // String defaults may name ${site.*} and ${flowrun.*}; report problems
  // at the stage, saying which default needed the value.
  std::vector<Diagnostic> local;
  auto expand = [&](const json& v) -> std::optional<json> {
    if (!v.is_string()) return v;
    auto s = vars_.expand(v.get<std::string>(), raw.loc, local);
    if (!s) return std::nullopt;
    return json(*s);
  };
  json value = p.default_value;
  bool ok = true;
  if (value.is_array()) {
    for (auto& item : value)
      if (auto e = expand(item)) item = *e;
      else ok = false;
  } else if (auto e = expand(value)) {
    value = *e;
  } else {
    ok = false;
  }
  for (auto& d : local)
    error(d.loc, describe(raw) + ": default of param '" + p.name + "' (" +
                     p.default_value.dump() + "): " + d.message);
  if (!ok) return std::nullopt;
  // A relative default is relative to the plugin that declared it.
  const fs::path base = registry_->provider(raw.base.kind).parent_path();
  return coerce_param(p, LocatedValue{value, raw.loc, {}, {}, {}},
                      {describe(raw) + ": default of param '" + p.name + "'",
                       base.empty() ? dir_ : base},
                      diags_);
}

void FlowReader::resolve_params(RawStage& raw) {
  const auto& spec = raw.base.stage->spec();
  for (const auto& p : spec.params) {
    const bool swept = std::any_of(raw.base.matrix.begin(), raw.base.matrix.end(),
                                   [&](const MatrixAxis& a) { return a.param == p.name; });
    if (swept) continue;
    if (auto it = raw.given.find(p.name); it != raw.given.end()) {
      const Given& g = it->second;
      // Paths typed on the command line are relative to where the user is.
      const fs::path base = g.command_line ? fs::current_path() : dir_;
      std::string what = "param '" + p.name + "' of stage '" + raw.name + "'";
      if (g.command_line) what = "--set " + raw.name + "." + p.name + ": " + what;
      if (auto v = coerce_param(p, g.value, {what, base}, diags_)) raw.base.params[p.name] = *v;
      continue;
    }
    if (p.default_value.is_null()) {
      error(raw.loc, describe(raw) + " needs param '" + p.name + "' (" + to_string(p.type) + ")" +
                         (p.doc.empty() ? "" : ": " + p.doc));
      continue;
    }
    if (auto v = resolve_default(raw, p)) raw.base.params[p.name] = *v;
  }
}

}  // namespace flowrun::flow_reader
