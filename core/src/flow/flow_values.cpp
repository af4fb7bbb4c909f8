#include "flow_values.hpp"

namespace flowrun {

SourceLoc Locator::at(const YAML::Mark& mark) const {
  if (fixed) return *fixed;
  // yaml-cpp marks are 0-based; -1 marks nodes it made up (implicit nulls).
  if (mark.line < 0) return SourceLoc{file, 0, 0};
  return SourceLoc{file, mark.line + 1, mark.column + 1};
}

SourceLoc Locator::at(const YAML::Node& node) const { return at(node.Mark()); }

static std::optional<json> read_json(const YAML::Node& node, const Locator& where,
                                     const FlowVars& vars, std::vector<Diagnostic>& diags) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return json(nullptr);
    case YAML::NodeType::Scalar:
      return vars.expand_scalar(node.Scalar(), node.Tag() == "!", where.at(node), diags);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      bool ok = true;
      for (const auto& item : node) {
        auto v = read_json(item, where, vars, diags);
        if (v) out.push_back(*v);
        else ok = false;
      }
      if (!ok) return std::nullopt;
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      bool ok = true;
      for (const auto& kv : node) {
        auto v = read_json(kv.second, where, vars, diags);
        if (v) out[kv.first.Scalar()] = *v;
        else ok = false;
      }
      if (!ok) return std::nullopt;
      return out;
    }
  }
  return json(nullptr);
}

std::optional<LocatedValue> read_value(const YAML::Node& node, const Locator& where,
                                       const FlowVars& vars, std::vector<Diagnostic>& diags) {
  auto value = read_json(node, where, vars, diags);
  if (!value) return std::nullopt;
  LocatedValue out{*value, where.at(node), {}, {}, node.IsScalar() ? node.Scalar() : ""};
  if (node.IsSequence())
    for (const auto& item : node) out.items.push_back(where.at(item));
  // Sweep names show values as written (0.005, not 0.0050000000000000001),
  // except where a substitution changed them.
  if (node.IsScalar() && node.Scalar().find("${") == std::string::npos) out.text = node.Scalar();
  else if (value->is_string()) out.text = value->get<std::string>();
  else out.text = value->dump();
  return out;
}

std::string describe_value(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "nothing (null)";
    case json::value_t::boolean: return std::string("bool ") + (v.get<bool>() ? "true" : "false");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "int " + v.dump();
    case json::value_t::number_float: return "float " + v.dump();
    case json::value_t::string: return "string '" + v.get<std::string>() + "'";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "a map";
    default: return "a value";
  }
}

}  // namespace flowrun
