// Shorthands for declaring stage params in the neuro plugin's specs.
#pragma once

#include <flowrun/spec.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flowrun::neuro {

inline ParamSpec number_param(ParamType type, const char* name, json def, std::optional<double> lo,
                              std::optional<double> hi, const char* doc) {
  ParamSpec p;
  p.name = name;
  p.type = type;
  p.default_value = std::move(def);
  p.min = lo;
  p.max = hi;
  p.doc = doc;
  return p;
}

inline ParamSpec int_param(const char* name, long long def, double lo, double hi, const char* doc) {
  return number_param(ParamType::Int, name, def, lo, hi, doc);
}

inline ParamSpec float_param(const char* name, double def, double lo, double hi, const char* doc) {
  return number_param(ParamType::Float, name, def, lo, hi, doc);
}

inline ParamSpec string_param(const char* name, const char* def, const char* doc) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::String;
  p.default_value = def;
  p.doc = doc;
  return p;
}

inline ParamSpec string_list_param(const char* name, const char* doc) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::StringList;
  p.default_value = json::array();
  p.doc = doc;
  return p;
}

}  // namespace flowrun::neuro
