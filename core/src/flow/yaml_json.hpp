// YAML node -> JSON value, keeping scalar types (int, float, bool, string).
#pragma once

#include <flowrun/spec.hpp>

#include <yaml-cpp/yaml.h>

namespace flowrun {

json yaml_scalar_to_json(const YAML::Node& node);
json yaml_to_json(const YAML::Node& node);

}  // namespace flowrun
