#include "evolution_plot.hpp"

#include <flowrun/plot.hpp>

#include <algorithm>
#include <cmath>

namespace flowrun::approx {

void write_evolution_plots(const std::vector<GaProgress>& log, const std::string& cost_unit,
                           const std::filesystem::path& dir) {
  size_t islands = 0;
  for (const auto& p : log) islands = std::max(islands, p.island_cost.size());
  std::vector<double> gen, eps;
  std::vector<std::vector<double>> cost(islands), wce(islands);
  for (const auto& p : log) {
    gen.push_back(static_cast<double>(p.generation));
    eps.push_back(p.eps);
    for (size_t i = 0; i < islands; ++i) {
      cost[i].push_back(i < p.island_cost.size() ? p.island_cost[i] : std::nan(""));
      wce[i].push_back(i < p.island_wce.size() ? p.island_wce[i] : std::nan(""));
    }
  }
  Plot c = Plot::line("GA evolution: best cost per island", "generation", cost_unit);
  Plot w = Plot::line("GA evolution: WCE per island", "generation", "relative worst-case error");
  for (size_t i = 0; i < islands; ++i) {
    c.add_series("island " + std::to_string(i), gen, cost[i]);
    w.add_series("island " + std::to_string(i), gen, wce[i]);
  }
  w.add_series("bound eps(g)", gen, eps);
  c.note("The cost of each island's best individual (by fitness) every log_every generations.");
  c.write(dir / "evolution_cost.json");
  w.write(dir / "evolution_wce.json");
}

}  // namespace flowrun::approx
