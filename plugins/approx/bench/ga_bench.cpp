// approx_ga_bench: candidates evaluated per second per core by the approx.ga
// engine on the 8x8 signed seed multiplier (tests/data/mult8s_seed.v, made
// by Yosys from tests/data/mult8s.v, see tests/data/make_seed.ys).
//
//   approx_ga_bench [seconds per GA run = 10] [eps_end = 0.005]
//
// Prints (1) the rate of full evaluations (every gate, every one of the
// 65536 input pairs, no early abort), then (2) a real single-island (1+4)
// GA run with its split into skipped-inactive, cost-rejected,
// early-rejected, incremental and full evaluations, and (3) the same with
// one island per hardware thread.
#include "evaluator.hpp"
#include "ga.hpp"
#include "netlist_bridge.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <thread>

using namespace flowrun::approx;
namespace gates = flowrun::gates;

namespace {

// CPU seconds used by this process: on a shared machine the rate per core
// is candidates per CPU second, not per wall-clock second.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void print_split(const char* title, const EvalCounters& c, double seconds, double cpu) {
  const double per = 1.0 / cpu;
  std::printf("%s: %.1f s wall, %.1f CPU s (rates below are per CPU second = per core)\n", title, seconds, cpu);
  std::printf("  all candidates      %12.0f /s/core  (%llu)\n", c.total() * per, (unsigned long long)c.total());
  std::printf("  skipped (inactive)  %12.0f /s/core  (%llu)\n", c.skipped_inactive * per, (unsigned long long)c.skipped_inactive);
  std::printf("  cost-rejected       %12.0f /s/core  (%llu)\n", c.cost_rejected * per, (unsigned long long)c.cost_rejected);
  std::printf("  early-rejected      %12.0f /s/core  (%llu)\n", c.early_rejected * per, (unsigned long long)c.early_rejected);
  std::printf("  incremental (full table, cone only) %8.0f /s/core  (%llu)\n", c.incremental * per, (unsigned long long)c.incremental);
  std::printf("  full (full table, every gate)       %8.0f /s/core  (%llu)\n", c.full * per, (unsigned long long)c.full);
  const auto simulated = c.total() - c.skipped_inactive - c.cost_rejected;
  std::printf("  simulated (early-rejected + complete) %8.0f /s/core\n", simulated * per);
  if (simulated > 0) {
    std::printf("  per simulated candidate: %.1f cone gates, %.2f blocks of %zu input pairs\n",
                static_cast<double>(c.cone_gates) / simulated, static_cast<double>(c.blocks) / simulated,
                kBlockWords * 64);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
  const double eps_end = argc > 2 ? std::atof(argv[2]) : 0.005;
  const auto lib = flowrun::liberty::read_liberty(FLOWRUN_CELLS_DIR "/flowrun_cells.lib");
  const gates::Netlist nl = gates::read_netlist(FLOWRUN_APPROX_TEST_DATA "/mult8s_seed.v", lib,
                                                {{"a", 8}, {"b", 8}, {"y", 16}});
  const auto kinds = kinds_from_cells(nl, CostModel::Transistors);
  std::vector<int> kbit;
  const Genome seed = genome_from_netlist(nl, kinds, "mult8s_seed.v", kbit);
  const Problem problem = make_problem(8, 8, true, kbit);
  std::vector<std::uint16_t> allowed;
  for (const auto& g : seed.gates) {
    if (std::find(allowed.begin(), allowed.end(), g.kind) == allowed.end()) allowed.push_back(g.kind);
  }
  std::printf("seed: %zu gates, %zu active, %.0f transistors; %llu input pairs, %zu words per signal\n",
              seed.gates.size(), count_active(seed), [&] {
                std::vector<std::uint8_t> act;
                mark_active(seed, act);
                return active_cost(seed, kinds, act);
              }(), (unsigned long long)problem.num_vectors, problem.num_words);

  // (1) Full evaluations.
  {
    Evaluator ev(problem, kinds);
    Individual empty;
    Genome g = seed;
    g.forget_edits();
    for (auto& gate : g.gates) gate.modified = 1;
    Bounds b;
    b.eps = eps_end;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    std::size_t n = 0;
    double secs = 0;
    do {
      for (int i = 0; i < 50; ++i) {
        const Evaluation e = ev.evaluate(g, empty, b, std::numeric_limits<double>::infinity());
        if (e.outcome != Outcome::Evaluated) return 1;
        ++n;
      }
      secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (secs < std::min(seconds, 3.0));
    const double cpu = cpu_seconds() - c0;
    std::printf("(1) full evaluation (all %zu gates x 65536 pairs): %.0f /s/core, %.1f us each (%.1f s wall, %.1f CPU s)\n",
                seed.gates.size(), n / cpu, 1e6 * cpu / n, secs, cpu);
  }

  GaParams params;
  params.eps_end = eps_end;
  params.eps_tau = 200;
  params.generations = std::numeric_limits<std::uint64_t>::max() / 2;
  params.time_budget_s = seconds;
  params.log_every = 1000;
  params.seed = 1;
  params.threads = 1;
  {
    const double c0 = cpu_seconds();
    const GaResult r = run_ga(problem, kinds, allowed, seed, params);
    print_split("(2) (1+4) ES, 1 island", r.counters, r.seconds, cpu_seconds() - c0);
    std::printf("  generations %llu, best %.0f transistors (%.3f of seed)\n", (unsigned long long)r.generations,
                r.best_cost, r.best_cost / r.log.front().best_cost);
  }
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (hw > 1) {
    params.threads = hw;
    const double c0 = cpu_seconds();
    const GaResult r = run_ga(problem, kinds, allowed, seed, params);
    print_split("(3) (1+4) ES, one island per hardware thread", r.counters, r.seconds, cpu_seconds() - c0);
    std::printf("  generations %llu per island, best %.0f transistors\n", (unsigned long long)r.generations, r.best_cost);
  }
  return 0;
}
