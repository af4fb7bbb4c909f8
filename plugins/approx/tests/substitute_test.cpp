// Signal substitution: the victim's readers move to the closest earlier
// signal, the circuit stays valid, and an exact twin keeps the function.
#include "substitute.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>

namespace flowrun::approx {
namespace {

using test::load_fixture;
using test::reference_outputs;

// What a substitution did: every changed reference went from the victim's
// signal to the same new one.
struct Move {
  std::uint32_t from = 0, to = 0;
  int changed = 0;
};

Move find_move(const Genome& parent, const Genome& child) {
  Move m;
  auto note = [&](std::uint32_t before, std::uint32_t after) {
    if (before == after) return;
    if (m.changed == 0) {
      m.from = before;
      m.to = after;
    }
    EXPECT_EQ(before, m.from);
    EXPECT_EQ(after, m.to);
    ++m.changed;
  };
  for (std::size_t i = 0; i < parent.gates.size(); ++i) {
    for (int k = 0; k < parent.gates[i].arity; ++k) note(parent.gates[i].in[k], child.gates[i].in[k]);
  }
  for (std::size_t k = 0; k < parent.outputs.size(); ++k) note(parent.outputs[k], child.outputs[k]);
  return m;
}

// Hamming distance of two signals over every input assignment.
int distance(const Individual& ind, const Problem& p, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t fg = ind.genome.first_gate();
  auto words = [&](std::uint32_t s) { return s < fg ? p.signal_base(s) : ind.values[s - fg].get(); };
  int d = 0;
  for (std::size_t w = 0; w < (p.num_vectors + 63) / 64; ++w) d += std::popcount(words(a)[w] ^ words(b)[w]);
  return d;
}

// g as a parent: simulated, indexed, with exact stats.
Individual simulated(const test::Fixture& f, const Genome& g) {
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  b.eps = 1;
  Individual ind = ev.build(g, b);
  ind.genome.make_parent();
  index_individual(ind);
  return ind;
}

TEST(Substitute, ReadersMoveToTheClosestEarlierSignalAndATwinKeepsTheFunction) {
  // On the 4x4 multiplier (256 assignments, 4 words) the sample covers
  // every word equally often, so "closest on the sample" is "closest".
  const auto f = load_fixture("mult4u_seed.v", 4, 4, false);
  Genome g = f.seed;
  const std::uint32_t fg = g.first_gate();
  g.gates.push_back(g.gates[3]);  // a twin of gate 3 ...
  const auto twin = fg + static_cast<std::uint32_t>(g.gates.size() - 1);
  const std::uint32_t replaced = g.outputs.back();
  g.outputs.back() = twin;  // ... read in place of one output bit
  Genome ref = f.seed;
  ref.outputs.back() = fg + 3;
  const auto want = reference_outputs(ref, f.kinds, f.problem);

  const Individual parent = simulated(f, g);
  ASSERT_NE(replaced, twin);

  SubstituteCache cache;
  int twin_moves = 0;
  for (std::uint64_t s = 0; s < 300; ++s) {
    Rng rng(7, s);
    Genome child = parent.genome;
    ASSERT_TRUE(substitute_similar(child, parent, f.problem, rng, cache));
    ASSERT_NO_THROW(child.check(f.kinds.size()));
    const Move m = find_move(parent.genome, child);
    ASSERT_GT(m.changed, 0);
    ASSERT_LT(m.to, m.from);  // topological order kept
    ASSERT_GE(m.from, fg);
    ASSERT_GT(parent.fanout.refs[m.from - fg], 0u);  // the victim was active ...
    bool still_read = std::count(child.outputs.begin(), child.outputs.end(), m.from) > 0;
    for (const Gate& gt : child.gates) still_read = still_read || gt.in[0] == m.from || (gt.arity == 2 && gt.in[1] == m.from);
    EXPECT_FALSE(still_read);  // ... and nothing reads it any more
    int best = std::numeric_limits<int>::max();
    for (std::uint32_t c = 0; c < m.from; ++c) {
      if (c >= fg && parent.fanout.refs[c - fg] == 0) continue;
      best = std::min(best, distance(parent, f.problem, m.from, c));
    }
    EXPECT_EQ(distance(parent, f.problem, m.from, m.to), best) << "victim " << m.from;
    if (m.from == twin) {
      ++twin_moves;
      EXPECT_EQ(distance(parent, f.problem, m.from, m.to), 0);
      EXPECT_EQ(reference_outputs(child, f.kinds, f.problem), want);
    }
  }
  EXPECT_GT(twin_moves, 0);
}

TEST(Substitute, AParentWithoutActiveGatesIsLeftAlone) {
  const auto f = load_fixture("mult4u_seed.v", 4, 4, false);
  Genome g = f.seed;
  for (auto& s : g.outputs) s = 0;  // constant 0: every gate inactive
  const Individual parent = simulated(f, g);
  Genome child = parent.genome;
  Rng rng(1, 1);
  SubstituteCache cache;
  EXPECT_FALSE(substitute_similar(child, parent, f.problem, rng, cache));
  EXPECT_EQ(child.outputs, parent.genome.outputs);
}

}  // namespace
}  // namespace flowrun::approx
