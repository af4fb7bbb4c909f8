// The GA's progress log as plots for report.html (docs/report.md): best cost
// and relative WCE against the generation, one series per island.
#pragma once

#include "ga.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::approx {

// Writes evolution_cost.json and evolution_wce.json into `dir`; `cost_unit`
// names the cost ("transistors" or "area").
void write_evolution_plots(const std::vector<GaProgress>& log, const std::string& cost_unit,
                           const std::filesystem::path& dir);

}  // namespace flowrun::approx
