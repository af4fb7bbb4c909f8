// Values read from a flow file (or a --set argument) together with where
// each part came from, so later checks can point at the exact place.
#pragma once

#include "flow_model.hpp"
#include "flow_vars.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace flowrun {

// Maps YAML marks to places the user can find: a flow file's line and
// column (1-based), or one fixed place (a --set argument).
struct Locator {
  std::string file;
  std::optional<SourceLoc> fixed;
  SourceLoc at(const YAML::Node& node) const;
  SourceLoc at(const YAML::Mark& mark) const;
};

struct LocatedValue {
  json value;
  SourceLoc loc;
  std::vector<SourceLoc> items;  // one per element when value is a list
  std::string text;              // the value as written, substituted (sweep names)
  std::string source;            // the scalar exactly as in the file ("${n}")
};

// Converts a param value node: scalars substituted and typed (see
// FlowVars::expand_scalar), sequences item by item. Returns nullopt when a
// substitution failed (already reported).
std::optional<LocatedValue> read_value(const YAML::Node& node, const Locator& where,
                                       const FlowVars& vars, std::vector<Diagnostic>& diags);

// "int 5", "string 'abc'", "a list", ... for messages.
std::string describe_value(const json& value);

}  // namespace flowrun
