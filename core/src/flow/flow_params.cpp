#include "flow_params.hpp"

#include "did_you_mean.hpp"

#include <algorithm>
#include <sstream>

namespace flowrun {

namespace fs = std::filesystem;

std::string format_number(double v) {
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

namespace {

ParamType item_type(ParamType t) {
  switch (t) {
    case ParamType::IntList: return ParamType::Int;
    case ParamType::FloatList: return ParamType::Float;
    case ParamType::StringList: return ParamType::String;
    default: return t;
  }
}

bool is_list(ParamType t) { return item_type(t) != t; }

const char* a_type(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "a bool (true or false)";
    case ParamType::Int: return "an int";
    case ParamType::Float: return "a float";
    case ParamType::String: return "a string";
    case ParamType::Path: return "a path (a string)";
    case ParamType::IntList: return "an int_list (a list such as [1, 2])";
    case ParamType::FloatList: return "a float_list (a list such as [0.5, 1])";
    case ParamType::StringList: return "a string_list (a list such as [a, b])";
  }
  return "?";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// One scalar (a param's value or a list item). `what` names it in messages.
std::optional<json> check_scalar(const ParamSpec& spec, ParamType type, const json& v,
                                 const std::string& text, const SourceLoc& loc,
                                 const std::string& what, const fs::path& base_dir,
                                 std::vector<Diagnostic>& diags) {
  json out;
  switch (type) {
    case ParamType::Bool:
      if (v.is_boolean()) out = v;
      break;
    case ParamType::Int:
      if (v.is_number_integer()) out = v.get<std::int64_t>();
      break;
    case ParamType::Float:
      if (v.is_number()) out = v.get<double>();
      break;
    case ParamType::String:
    case ParamType::Path:
      if (v.is_string()) out = v;
      break;
    default: break;
  }
  if (out.is_null()) {
    std::string hint;
    if ((type == ParamType::String || type == ParamType::Path) &&
        (v.is_number() || v.is_boolean())) {
      // A lone ${var} keeps the var's type, so quoting it would not help.
      if (text.rfind("${", 0) == 0)
        hint = " (from '" + text + "', which keeps the var's type; quote the var's value in `vars`)";
      else
        hint = " (quote it: \"" + v.dump() + "\")";
    }
    diags.push_back({loc, what + " must be " + a_type(type) + ", got " + describe_value(v) + hint});
    return std::nullopt;
  }
  if (out.is_number()) {
    const double x = out.get<double>();
    if (spec.min && x < *spec.min) {
      diags.push_back({loc, what + " is " + out.dump() + ", below the minimum " +
                                format_number(*spec.min)});
      return std::nullopt;
    }
    if (spec.max && x > *spec.max) {
      diags.push_back({loc, what + " is " + out.dump() + ", above the maximum " +
                                format_number(*spec.max)});
      return std::nullopt;
    }
  }
  if (type == ParamType::String && !spec.choices.empty()) {
    const auto s = out.get<std::string>();
    if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
      diags.push_back({loc, what + " is '" + s + "', not one of: " + join(spec.choices) +
                                did_you_mean(s, spec.choices)});
      return std::nullopt;
    }
  }
  if (type == ParamType::Path) {
    const auto s = out.get<std::string>();
    if (s.empty()) return out;  // "not given"; the stage decides
    fs::path p = fs::path(s).is_absolute() ? fs::path(s) : base_dir / s;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      std::string msg = what + ": '" + s + "' does not exist";
      if (p.string() != s) msg += " (looked for " + p.string() + ")";
      diags.push_back({loc, msg});
      return std::nullopt;
    }
    out = p.string();
  }
  return out;
}

}  // namespace

std::optional<json> coerce_param(const ParamSpec& spec, const LocatedValue& value,
                                 const ParamCheck& check, std::vector<Diagnostic>& diags) {
  if (!is_list(spec.type))
    return check_scalar(spec, spec.type, value.value, value.source, value.loc, check.what,
                        check.base_dir, diags);
  if (!value.value.is_array()) {
    diags.push_back({value.loc, check.what + " must be " + a_type(spec.type) + ", got " +
                                    describe_value(value.value)});
    return std::nullopt;
  }
  json out = json::array();
  bool ok = true;
  for (size_t i = 0; i < value.value.size(); ++i) {
    const SourceLoc& loc = i < value.items.size() ? value.items[i] : value.loc;
    auto item = check_scalar(spec, item_type(spec.type), value.value[i], "", loc,
                             check.what + " item " + std::to_string(i + 1), check.base_dir, diags);
    if (item) out.push_back(*item);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace flowrun
