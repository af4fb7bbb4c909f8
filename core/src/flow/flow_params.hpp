// Checking one param value against its declaration: type (with the
// allowed conversions), range, choices, and Path resolution.
#pragma once

#include "flow_values.hpp"

#include <flowrun/spec.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flowrun {

struct ParamCheck {
  std::string what;                // "param 'eps' of stage 'ga'", starts messages
  std::filesystem::path base_dir;  // relative Path values resolve against this
};

// The value coerced to the declared type (ints become doubles for float
// params, Path values absolute), or nullopt after reporting every problem.
// Rules: ints are accepted for floats; only strings for strings and paths;
// lists item by item; min/max inclusive for numbers and list items; choices
// for strings and string-list items; an empty Path means "not given",
// any other Path must exist.
std::optional<json> coerce_param(const ParamSpec& spec, const LocatedValue& value,
                                 const ParamCheck& check, std::vector<Diagnostic>& diags);

// "0.5", "10", "1e-06": a bound as a person would write it.
std::string format_number(double v);

}  // namespace flowrun
