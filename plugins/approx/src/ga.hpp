// The evolutionary loop of approx.ga: (1+lambda) ES with neutral drift
// (default) or a (mu+lambda) GA with elitism and optional crossover, run as
// islands spread over threads with deterministic synchronization.
#pragma once

#include "evaluator.hpp"
#include "genome.hpp"
#include "problem.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowrun::approx {

enum class Strategy { OnePlusLambda, MuPlusLambda };
// Where an island's best goes at a migration: to every other island
// (broadcast) or to the next island only (ring: island i feeds i+1).
enum class Migration { Broadcast, Ring };

struct GaParams {
  Strategy strategy = Strategy::OnePlusLambda;
  std::uint64_t generations = 1000000;  // cap (per island)
  double time_budget_s = 0;             // 0: no time limit
  std::uint32_t pop_size = 4;           // lambda (1+lambda) or population size (mu+lambda)
  double elite_ratio = 0.1;             // mu+lambda only
  double crossover = 0;                 // mu+lambda only: probability per offspring
  MutationWeights weights;
  std::uint32_t max_mutations = 2;      // mutations per offspring: uniform in 1..max
  double substitute_rate = 0;           // probability that an offspring's first mutation is a substitution
  double eps_start = 0, eps_end = 0.005, eps_tau = 200;  // eps(g) schedule
  double penalty = 1e6;
  double max_nmed = 0, max_er = 0, max_mre = 0;
  double max_wmed = 0;                  // needs Problem weights (set_weights)
  std::uint64_t seed = 1;
  int threads = 1;                      // worker threads
  int islands = 0;                      // independent searches; 0: one per thread
  std::uint64_t log_every = 1000;       // generations per epoch (log, sync, time check)
  std::uint64_t migrate_every = 20000;  // generations between migrations (0: never)
  Migration migration = Migration::Broadcast;
  double max_gate_factor = 1.5;         // genome size cap relative to the seed
  std::uint64_t remap_every = 0;        // generations between re-mappings of island bests (0: never)

  double eps_at(std::uint64_t generation) const;
  Bounds bounds_at(std::uint64_t generation) const;
  Bounds final_bounds() const;
  int island_count() const { return islands > 0 ? islands : std::max(1, threads); }
  // Threads actually used: never more than there are islands.
  int thread_count() const { return std::clamp(threads, 1, island_count()); }
};

struct GaProgress {
  std::uint64_t generation = 0;
  double seconds = 0;
  double best_cost = 0;    // the current best individual
  double best_wce = 0;     // its relative WCE
  double eps = 0;
  std::size_t gates = 0;   // its active gates
  double evaluations_per_second = 0;  // over the last epoch, all islands
  double best_feasible_cost = 0;      // best found meeting the final bounds
  // Each island's current best: its cost and relative WCE (island order).
  std::vector<double> island_cost, island_wce;
};

struct GaResult {
  Genome best;                 // pruned; meets the final bounds (by this engine)
  double best_cost = 0;
  ErrorStats best_stats;
  bool found_feasible = false;
  // Every improvement that met the final bounds, oldest first (the seed
  // first when it meets them); the last one is `best`. Lets the caller fall
  // back when an independent check disagrees.
  std::vector<Genome> improvements;
  std::uint64_t generations = 0;
  double seconds = 0;
  EvalCounters counters;
  std::vector<GaProgress> log;
  // Re-mappings (see RemapFn): asked for, returned a different function
  // (dropped), and adopted because they cost no more.
  std::uint64_t remaps = 0, remaps_wrong = 0, remaps_adopted = 0;
};

// Returns false to stop early (cancellation).
using ProgressFn = std::function<bool(const GaProgress&)>;

// Re-maps island `island`'s best circuit (pruned): returns a genome meant
// to compute the same function with another structure, e.g. the circuit
// re-synthesized by a logic optimizer, or nothing. Called every
// remap_every generations and once at the end of the run for each island
// whose best changed since its last call, from the thread that runs the
// island, so it must be safe to call for different islands at once. The
// GA simulates the result, drops it unless every output equals the
// original's on every input, and adopts it as the island's parent when it
// costs no more: the search then goes on from a structure its own moves
// would rarely reach.
using RemapFn = std::function<std::optional<Genome>(const Genome& best, int island)>;

// The substitution rate approx.ga uses when none is given: substitutions
// paid off at a 2 % bound and cost quality at 0.5 % (docs/approx-ga.md),
// so they are on from a 1 % bound up.
double default_substitute_rate(double eps_end);

GaResult run_ga(const Problem& problem, const std::vector<GateKind>& kinds,
                const std::vector<std::uint16_t>& allowed, const Genome& seed, const GaParams& params,
                const ProgressFn& progress = {}, const RemapFn& remap = {});

// For each island, the island whose best individual replaces its worst at
// a migration, or -1 for none. best[i], worst[i]: island i's best and worst
// fitness. Only a strictly better individual moves, so an island on the same
// plateau keeps its own neutral variant.
std::vector<int> migration_plan(const std::vector<double>& best, const std::vector<double>& worst,
                                Migration migration);

// One-point crossover of two topologically ordered genomes (origins
// relative to `a`); the child is valid and topologically ordered.
Genome crossover(const Genome& a, const Genome& b, Rng& rng);

}  // namespace flowrun::approx
