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

#include "cone_plan.hpp"
#include "genome.hpp"
#include "individual.hpp"
#include "problem.hpp"
#include "words.hpp"

#include <array>
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
  double max_wmed = 0;  // weighted mean error bound (Problem::weights); <= 0: off
  double penalty = 1e6; // cost units per unit of relative excess
  // Largest |approx - exact| with |e| / normalizer <= eps.
  std::int64_t wce_threshold(const Problem& p) const;
  // Whether any bound needs the error sums of a candidate.
  bool tracks_sums() const { return max_nmed > 0 || max_er > 0 || max_mre > 0 || max_wmed > 0; }
};

// Relative excess over every bound (0 when all are met).
double bound_excess(const Problem& p, const Bounds& b, const ErrorStats& s);

enum class Outcome : std::uint8_t { Skipped, CostRejected, EarlyRejected, Evaluated };

struct Evaluation {
  Outcome outcome = Outcome::Evaluated;
  bool full = false;        // every active gate was simulated
  std::int64_t cost_units = 0;  // see kCostScale
  double fitness = std::numeric_limits<double>::infinity();
  ErrorStats stats;
  std::size_t cone_size = 0;
  std::size_t active_gates = 0;
  std::size_t blocks = 0;   // blocks of input assignments simulated
  double cost() const { return cost_of_units(cost_units); }
};

struct EvalCounters {
  std::uint64_t skipped_inactive = 0;
  std::uint64_t cost_rejected = 0;
  std::uint64_t early_rejected = 0;
  std::uint64_t full = 0;         // complete evaluations of every active gate
  std::uint64_t incremental = 0;  // complete evaluations of a cone only
  std::uint64_t cone_gates = 0;   // summed over simulated candidates
  std::uint64_t blocks = 0;       // blocks simulated, summed
  std::uint64_t total() const { return skipped_inactive + cost_rejected + early_rejected + full + incremental; }
  void add(const EvalCounters& o) {
    skipped_inactive += o.skipped_inactive;
    cost_rejected += o.cost_rejected;
    early_rejected += o.early_rejected;
    full += o.full;
    incremental += o.incremental;
    cone_gates += o.cone_gates;
    blocks += o.blocks;
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
  // Off: activity and cone by a pass over every gate (tests compare).
  void allow_incremental(bool on) { plan_.allow_incremental(on); }
  // Whether the last evaluate() derived activity and cone incrementally.
  bool last_incremental() const { return plan_.incremental(); }

 private:
  void prepare_cone_buffers(std::size_t n);

  const Problem* problem_;
  const std::vector<GateKind>* kinds_;
  ConePlan plan_;                         // activity, cost and cone of the last candidate
  std::vector<SharedWords> cone_values_;  // one per cone position
  std::size_t start_block_ = 0;           // where the last rejection happened
  std::array<std::size_t, 4> hot_{};      // blocks of the latest rejections, most recent first
  std::size_t hot_count_ = 0;
};

}  // namespace flowrun::approx
