// A member of the GA's population: a parent genome with the simulated
// values of its active gates, its error statistics and a fan-out index.
// The index is what lets an offspring's activity, cost and cone be derived
// from its parent's in time proportional to what the mutations touched
// rather than to the size of the circuit (see cone_plan.hpp).
#pragma once

#include "genome.hpp"
#include "problem.hpp"
#include "words.hpp"

#include <cstdint>
#include <vector>

namespace flowrun::approx {

// What is known about a candidate's error after a complete evaluation.
struct ErrorStats {
  std::int64_t wce_abs = 0;   // exact when wce_exact, else an upper bound
  bool wce_exact = false;
  std::uint64_t sum_abs = 0;  // sum |e| (only when tracked)
  std::uint64_t errors = 0;   // #{e != 0} (only when tracked)
  double mre_sum = 0;         // sum |e|/|exact| (only when tracked)
  std::uint64_t wsum = 0;     // sum w_k |e_k| (only when tracked and weighted)
  bool sums_tracked = false;
};

// The active structure of a genome, in its own gate indices.
struct FanoutIndex {
  // Per gate: how many times active gates and outputs read it (0 = inactive).
  std::vector<std::uint32_t> refs;
  // The active readers of gate i are readers[begin[i] .. begin[i + 1]).
  std::vector<std::uint32_t> begin;
  std::vector<std::uint32_t> readers;
  bool indexes(const Genome& g) const {
    return refs.size() == g.gates.size() && begin.size() == g.gates.size() + 1;
  }
};

// Cost in fixed point (kCostScale units per cost unit): sums of integers
// are exact and independent of order, so a cost updated incrementally
// equals one summed from scratch, and neutral moves compare equal.
inline constexpr double kCostScale = 16777216.0;  // 2^24
std::int64_t cost_units(double cost);
inline double cost_of_units(std::int64_t units) { return static_cast<double>(units) / kCostScale; }

struct Individual {
  Genome genome;                    // make_parent()'ed
  std::vector<SharedWords> values;  // per gate; null for inactive gates
  FanoutIndex fanout;
  std::int64_t cost_units = 0;     // see kCostScale
  ErrorStats stats;
  double fitness = 0;
  std::size_t active_gates = 0;
  // Identifies the genome and values (copies share it): the island's index
  // in the top bits, a per-island count below; 0 for the seed.
  std::uint64_t serial = 0;
  double cost() const { return cost_of_units(cost_units); }
};

// Recomputes ind.fanout and ind.active_gates from ind.genome (after the
// genome was made a parent or pruned).
void index_individual(Individual& ind);

// The simulated words of output bit k (a gate's values, or a constant's or
// primary input's).
const std::uint64_t* output_words(const Problem& p, const Individual& ind, std::size_t k);

// Whether a and b (both simulated on every input) drive every output bit
// with the same value on every input assignment.
bool same_outputs(const Problem& p, const Individual& a, const Individual& b);

}  // namespace flowrun::approx
