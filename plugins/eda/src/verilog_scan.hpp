// A light scan of structural Verilog (as Yosys writes it): module names,
// their input/output port names and the module types they instantiate.
// Enough to pick the top module and find the clock port; not a parser.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

struct ScannedModule {
  std::string name;
  std::set<std::string> inputs, outputs;
  std::set<std::string> instantiates;
};

std::vector<ScannedModule> scan_verilog_modules(std::string_view text);

// The top module: `wanted` when given (StageError if absent), else the only
// module no other module instantiates (StageError when ambiguous or none).
const ScannedModule& pick_top(const std::vector<ScannedModule>& mods, const std::string& wanted,
                              const std::string& file);

}  // namespace flowrun::eda
