// Shorthands for the param declarations of the data and training stages.
#pragma once

#include <flowrun/spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flowrun::cnn {

inline ParamSpec param(const char* name, ParamType type, json def, const char* doc,
                       std::optional<double> lo = std::nullopt, std::optional<double> hi = std::nullopt,
                       std::vector<std::string> choices = {}) {
  ParamSpec p;
  p.name = name;
  p.type = type;
  p.default_value = std::move(def);
  p.doc = doc;
  p.min = lo;
  p.max = hi;
  p.choices = std::move(choices);
  return p;
}

}  // namespace flowrun::cnn
