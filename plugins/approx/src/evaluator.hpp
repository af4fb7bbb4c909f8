// Exhaustive, bit-parallel, incremental evaluation of GA candidates.
//
// A parent (Individual) keeps the simulated values of its active gates for
// all 2^n input assignments. An offspring is simulated only in its "cone":
// active gates that are new, changed, newly activated or read a gate in the
// cone; everything else is read from the parent. Simulation runs one block
// of kBlockWords words (512 assignments) at a time, computes approx - exact
// bit-sliced, and stops ("early reject") as soon as the candidate provably
// cannot reach the acceptance threshold. Offspring whose mutations touched
// only inactive gates are not simulated at all.
#pragma once

#include "genome.hpp"
#include "problem.hpp"
#include "words.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace flowrun::approx {

// Error bounds in force for one generation; relative to Problem::normalizer.
struct Bounds {
  double eps = 0;       // relative WCE bound of this generation
  double max_nmed = 0;  // <= 0: off
  double max_er = 0;
  double max_mre = 0;
  double penalty = 1e6; // cost units per unit of relative excess
  // Largest |approx - exact| with |e| / normalizer <= eps.
  std::int64_t wce_threshold(const Problem& p) const;
};

// What is known about a candidate's error after a complete evaluation.
struct ErrorStats {
  std::int64_t wce_abs = 0;   // exact when wce_exact, else an upper bound
  bool wce_exact = false;
  std::uint64_t sum_abs = 0;  // sum |e| (only when tracked)
  std::uint64_t errors = 0;   // #{e != 0} (only when tracked)
  double mre_sum = 0;         // sum |e|/|exact| (only when tracked)
  bool sums_tracked = false;
};

// Relative excess over every bound (0 when all are met).
double bound_excess(const Problem& p, const Bounds& b, const ErrorStats& s);

struct Individual {
  Genome genome;                    // make_parent()'ed
  std::vector<SharedWords> values;  // per gate; null for inactive gates
  double cost = 0;
  ErrorStats stats;
  double fitness = 0;
  std::size_t active_gates = 0;
};

enum class Outcome : std::uint8_t { Skipped, CostRejected, EarlyRejected, Evaluated };

struct Evaluation {
  Outcome outcome = Outcome::Evaluated;
  bool full = false;        // every active gate was simulated
  double cost = 0;
  double fitness = std::numeric_limits<double>::infinity();
  ErrorStats stats;
  std::size_t cone_size = 0;
  std::size_t active_gates = 0;
};

struct EvalCounters {
  std::uint64_t skipped_inactive = 0;
  std::uint64_t cost_rejected = 0;
  std::uint64_t early_rejected = 0;
  std::uint64_t full = 0;         // complete evaluations of every active gate
  std::uint64_t incremental = 0;  // complete evaluations of a cone only
  std::uint64_t total() const { return skipped_inactive + cost_rejected + early_rejected + full + incremental; }
  void add(const EvalCounters& o) {
    skipped_inactive += o.skipped_inactive;
    cost_rejected += o.cost_rejected;
    early_rejected += o.early_rejected;
    full += o.full;
    incremental += o.incremental;
  }
  void count(const Evaluation& e);
};

// Per-thread working memory of the evaluator; also holds the cone values
// of the last evaluated candidate until it is adopted or dropped.
class Evaluator {
 public:
  Evaluator(const Problem& problem, const std::vector<GateKind>& kinds);

  // Evaluates `child` against `parent` (whose values may be empty, then
  // everything is simulated). Candidates whose fitness would exceed
  // reject_above are abandoned as soon as that is certain.
  Evaluation evaluate(const Genome& child, const Individual& parent, const Bounds& bounds,
                      double reject_above);
  // Builds the Individual for the candidate last passed to evaluate(),
  // which must have been Evaluated or Skipped, sharing unchanged values
  // with `parent`.
  Individual adopt(Genome child, const Individual& parent, const Evaluation& e);
  // Simulates a genome from scratch and returns it with exact stats.
  Individual build(Genome g, const Bounds& bounds);
  // Exact error stats of an individual from its stored values.
  ErrorStats exact_stats(const Individual& ind, bool with_sums);

  const Problem& problem() const { return *problem_; }

 private:
  const std::uint64_t* signal_ptr(std::uint32_t s, std::uint32_t fg) const;
  void prepare_cone_buffers(std::size_t n);

  const Problem* problem_;
  const std::vector<GateKind>* kinds_;
  // Scratch of the last candidate.
  std::vector<double> kind_cost_;        // cost per kind index
  std::vector<std::uint32_t> active_, dirty_;  // == stamp_: active / in the cone
  std::uint32_t stamp_ = 0;
  std::vector<std::int32_t> cone_pos_;   // gate -> position in cone or -1
  std::vector<std::uint32_t> cone_;      // gate indices, topological
  std::vector<SharedWords> cone_values_; // one per cone position
  std::size_t start_block_ = 0;          // where the last rejection happened
};

}  // namespace flowrun::approx
