// Signal substitution: the readers of one active gate are all pointed at
// the existing signal that agrees with it on the most sampled input
// assignments, so the gate and whatever only it read fall out of the
// circuit. The random operators reach such a move only by rewiring every
// reader of a gate to the same signal by chance; this one finds a close
// signal from the parent's simulated values. (The idea is the
// substitute-and-simplify move of approximate logic synthesis.)
#pragma once

#include "individual.hpp"
#include "problem.hpp"
#include "prng.hpp"

#include <cstdint>
#include <vector>

namespace flowrun::approx {

// Words compared per candidate signal: spread over the input space (one
// word per 1/kSubstituteSample of it), so the estimate sees every region
// of both operands' ranges.
inline constexpr std::size_t kSubstituteSample = 8;

// The sampled words of every signal of one parent, laid out contiguously
// so a search reads a few KiB instead of one cache line per signal and
// word. A parent is mutated thousands of times between replacements, so
// the sample is drawn once per parent (Individual::serial).
struct SubstituteCache {
  std::uint64_t serial = ~std::uint64_t{0};
  std::vector<std::uint64_t> sig;  // kSubstituteSample words per signal id
};

// `child` must equal parent.genome (no mutation applied yet). Picks a
// random active gate, finds the signal before it (constant, primary input
// or active gate) with the smallest Hamming distance on the sampled words,
// ties broken at random, and redirects the gate's readers there. Returns
// false when the parent has no active gate.
bool substitute_similar(Genome& child, const Individual& parent, const Problem& problem, Rng& rng,
                        SubstituteCache& cache);

}  // namespace flowrun::approx
