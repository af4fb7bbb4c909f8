#include "flow_vars.hpp"

#include "did_you_mean.hpp"
#include "yaml_json.hpp"

#include <cstdlib>

namespace flowrun {

FlowVars::FlowVars(std::map<std::string, std::string> builtins) {
  for (auto& [name, text] : builtins) vars_[name] = Value{json(text), text};
}

void FlowVars::define(const std::string& name, json value, std::string text) {
  vars_[name] = Value{std::move(value), std::move(text)};
}

bool FlowVars::defined(const std::string& name) const { return vars_.count(name) != 0; }

std::vector<std::string> FlowVars::names() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : vars_) out.push_back(name);
  return out;
}

const FlowVars::Value* FlowVars::lookup(const std::string& name, Value& scratch) const {
  if (auto it = vars_.find(name); it != vars_.end()) return &it->second;
  if (name.rfind("env.", 0) == 0) {
    // Environment values are read when used, so a flow only depends on the
    // variables it names.
    if (const char* v = std::getenv(name.substr(4).c_str())) {
      scratch = Value{json(std::string(v)), v};
      return &scratch;
    }
  }
  return nullptr;
}

std::optional<std::string> FlowVars::expand(const std::string& text, const SourceLoc& loc,
                                            std::vector<Diagnostic>& diags) const {
  std::string out;
  bool ok = true;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      diags.push_back({loc, "unterminated '${' in '" + text + "' (write '$${' for a literal '${')"});
      return std::nullopt;
    }
    const std::string name = text.substr(i + 2, close - i - 2);
    Value scratch;
    if (const Value* v = lookup(name, scratch)) {
      out += v->text;
    } else if (name.rfind("env.", 0) == 0) {
      diags.push_back({loc, "environment variable '" + name.substr(4) + "' used in '${" + name +
                                "}' is not set"});
      ok = false;
    } else {
      std::string help = did_you_mean(name, names());
      if (help.empty()) {
        help = "; define it under `vars:`";
        if (name.rfind("site.", 0) == 0) help = "; set '" + name.substr(5) + "' in the site configuration";
      }
      diags.push_back({loc, "unknown variable '${" + name + "}'" + help});
      ok = false;
    }
    i = close + 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<json> FlowVars::expand_scalar(const std::string& text, bool quoted,
                                            const SourceLoc& loc,
                                            std::vector<Diagnostic>& diags) const {
  // Exactly one reference: keep the var's own type, so `rois: "${rois}"`
  // stays an int.
  if (text.size() > 3 && text.compare(0, 2, "${") == 0 && text.back() == '}' &&
      text.find('}') == text.size() - 1) {
    const std::string name = text.substr(2, text.size() - 3);
    Value scratch;
    if (const Value* v = lookup(name, scratch)) return v->value;
  }
  auto expanded = expand(text, loc, diags);
  if (!expanded) return std::nullopt;
  if (quoted) return json(*expanded);
  try {
    return yaml_scalar_to_json(YAML::Node(*expanded));
  } catch (const YAML::Exception&) {
    // Looks like a number but does not fit one (1e999): keep the text, so
    // the param check reports it as what it is.
    return json(*expanded);
  }
}

}  // namespace flowrun
