// Signal substitution from the parent's simulated values.
#include "substitute.hpp"

#include <array>
#include <bit>
#include <limits>

namespace flowrun::approx {

namespace {

// Samples one random word in each of kSubstituteSample equal stretches of
// the real (unpadded) words, for every signal the parent has values for.
void fill_cache(const Individual& parent, const Problem& problem, Rng& rng, SubstituteCache& cache) {
  const Genome& g = parent.genome;
  const std::uint32_t fg = g.first_gate();
  const std::size_t real_words = (problem.num_vectors + 63) / 64;
  std::array<std::size_t, kSubstituteSample> at{};
  for (std::size_t k = 0; k < kSubstituteSample; ++k) {
    const std::size_t lo = real_words * k / kSubstituteSample;
    const std::size_t hi = real_words * (k + 1) / kSubstituteSample;
    at[k] = hi > lo ? lo + rng.below(static_cast<std::uint32_t>(hi - lo)) : lo;
  }
  cache.sig.assign(static_cast<std::size_t>(g.num_signals()) * kSubstituteSample, 0);
  for (std::uint32_t s = 0; s < g.num_signals(); ++s) {
    const std::uint64_t* w = nullptr;
    if (s < fg) w = problem.signal_base(s);
    else if (parent.fanout.refs[s - fg] > 0) w = parent.values[s - fg].get();
    if (!w) continue;  // inactive: never a candidate
    for (std::size_t k = 0; k < kSubstituteSample; ++k) cache.sig[s * kSubstituteSample + k] = w[at[k]];
  }
  cache.serial = parent.serial;
}

}  // namespace

bool substitute_similar(Genome& child, const Individual& parent, const Problem& problem, Rng& rng,
                        SubstituteCache& cache) {
  const Genome& g = parent.genome;
  const std::uint32_t fg = g.first_gate();
  const auto n = static_cast<std::uint32_t>(g.gates.size());
  if (n == 0 || !parent.fanout.indexes(g) || parent.active_gates == 0) return false;
  // A random active gate (the active share is large, so few draws miss).
  std::uint32_t victim = n;
  for (int attempt = 0; attempt < 16 && victim == n; ++attempt) {
    const std::uint32_t i = rng.below(n);
    if (parent.fanout.refs[i] > 0) victim = i;
  }
  if (victim == n) return false;
  if (cache.serial != parent.serial) fill_cache(parent, problem, rng, cache);

  const std::uint64_t* t = &cache.sig[(fg + victim) * kSubstituteSample];
  std::uint32_t best = 0, ties = 0;
  int best_d = std::numeric_limits<int>::max();
  for (std::uint32_t s = 0; s < fg + victim; ++s) {
    if (s >= fg && parent.fanout.refs[s - fg] == 0) continue;  // inactive
    const std::uint64_t* w = &cache.sig[s * kSubstituteSample];
    int d = 0;
    for (std::size_t k = 0; k < kSubstituteSample; ++k) d += std::popcount(w[k] ^ t[k]);
    if (d < best_d) {
      best_d = d;
      best = s;
      ties = 1;
    } else if (d == best_d && rng.below(++ties) == 0) {
      best = s;
    }
  }
  redirect_readers(child, victim + 1, fg + victim, best);
  return true;
}

}  // namespace flowrun::approx
