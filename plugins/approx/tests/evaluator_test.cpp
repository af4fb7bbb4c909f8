// The bit-parallel evaluator against the scalar reference simulator:
// incremental equals full, early abort never lets a violating candidate
// through, exact stats equal an independent truth-table evaluation.
#include "evaluator.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace flowrun::approx {
namespace {

using test::reference_outputs;
using test::reference_stats;

constexpr double kInf = std::numeric_limits<double>::infinity();

class EvaluatorTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    f = test::load_seed_fixture(GetParam());
    m.kinds = &f.kinds;
    m.allowed = f.allowed;
  }
  // Output words of an individual as one flat vector, for comparisons.
  std::vector<std::uint64_t> output_words(const Individual& ind) const {
    std::vector<std::uint64_t> w;
    const std::uint32_t fg = ind.genome.first_gate();
    for (std::uint32_t s : ind.genome.outputs) {
      const std::uint64_t* p = s < fg ? f.problem.signal_base(s) : ind.values[s - fg].get();
      for (std::size_t i = 0; i < f.problem.num_words; ++i) w.push_back(p[i] & f.problem.valid[i]);
    }
    return w;
  }
  test::Fixture f;
  Mutator m;
};

TEST_P(EvaluatorTest, ExactStatsEqualReferenceTruthTable) {
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  Rng rng(11, 0);
  Individual ind = ev.build(f.seed, b);
  for (int round = 0; round < 6; ++round) {
    const auto ref = reference_stats(reference_outputs(ind.genome, f.kinds, f.problem), f.problem);
    const ErrorStats st = ev.exact_stats(ind, true);
    EXPECT_EQ(st.wce_abs, ref.wce_abs);
    EXPECT_EQ(st.sum_abs, ref.sum_abs);
    EXPECT_EQ(st.errors, ref.errors);
    EXPECT_NEAR(st.mre_sum, ref.mre_sum, 1e-9 * std::max(1.0, ref.mre_sum));
    Genome g = ind.genome;
    for (int i = 0; i < 3; ++i) m.mutate(g, rng);
    ind = ev.build(g, b);
  }
}

TEST_P(EvaluatorTest, IncrementalEqualsFullForRandomMutations) {
  Evaluator inc(f.problem, f.kinds), full(f.problem, f.kinds);
  Bounds b;
  b.eps = 1e9;  // nothing is rejected: every candidate is simulated completely
  Individual parent = full.build(f.seed, b);
  Rng rng(5, 1);
  int incremental = 0, skipped = 0;
  for (int i = 0; i < 150; ++i) {
    Genome child = parent.genome;
    const int n = 1 + static_cast<int>(rng.below(3));
    for (int k = 0; k < n; ++k) m.mutate(child, rng);
    const Evaluation e = inc.evaluate(child, parent, b, kInf);
    ASSERT_TRUE(e.outcome == Outcome::Evaluated || e.outcome == Outcome::Skipped);
    incremental += e.outcome == Outcome::Evaluated && !e.full;
    skipped += e.outcome == Outcome::Skipped;
    Individual via_cone = inc.adopt(child, parent, e);
    Individual scratch = full.build(child, b);
    ASSERT_EQ(output_words(via_cone), output_words(scratch)) << "mutation round " << i;
    EXPECT_EQ(via_cone.cost(), scratch.cost());
    // Every active gate's stored values equal a from-scratch simulation.
    for (std::size_t g = 0; g < scratch.values.size(); ++g) {
      ASSERT_EQ(static_cast<bool>(via_cone.values[g]), static_cast<bool>(scratch.values[g]));
      if (!scratch.values[g]) continue;
      for (std::size_t w = 0; w < f.problem.num_words; ++w) {
        ASSERT_EQ(via_cone.values[g].get()[w] & f.problem.valid[w], scratch.values[g].get()[w] & f.problem.valid[w]);
      }
    }
    // Walk on, sometimes, so parents with inactive gates are covered too.
    if (rng.below(3) == 0) parent = std::move(via_cone);
  }
  EXPECT_GT(incremental, 20);
}

TEST_P(EvaluatorTest, EarlyAbortNeverAcceptsABoundViolation) {
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  b.eps = 0.02;
  b.penalty = 1e6;
  Individual parent = ev.build(f.seed, b);
  Rng rng(9, 2);
  int rejected = 0, accepted = 0;
  // The scalar reference is slow on 65536 pairs; fewer rounds there.
  const int rounds = f.problem.num_vectors > 4096 ? 40 : 300;
  for (int i = 0; i < rounds; ++i) {
    Genome child = parent.genome;
    m.mutate(child, rng);
    const Evaluation e = ev.evaluate(child, parent, b, parent.fitness);
    const auto ref = reference_stats(reference_outputs(child, f.kinds, f.problem), f.problem);
    const bool violates = ref.wce_abs > b.wce_threshold(f.problem);
    if (e.outcome == Outcome::EarlyRejected || e.outcome == Outcome::CostRejected) {
      ++rejected;
      // Rejected only when it really is worse than the parent.
      ErrorStats st;
      st.wce_abs = ref.wce_abs;
      EXPECT_GT(e.cost() + b.penalty * bound_excess(f.problem, b, st), parent.fitness);
      continue;
    }
    if (e.fitness <= parent.fitness) {
      ++accepted;
      EXPECT_FALSE(violates) << "accepted a candidate with |e| = " << ref.wce_abs;
      parent = ev.adopt(child, parent, e);
    }
  }
  EXPECT_GT(rejected, rounds / 6);
  EXPECT_GT(accepted, rounds / 60);
}

TEST_P(EvaluatorTest, OtherBoundsAreEnforced) {
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  b.eps = 1.0;
  b.max_er = 0.05;
  b.max_nmed = 0.002;
  b.max_mre = 0.05;
  Individual parent = ev.build(f.seed, b);
  Rng rng(13, 3);
  const double n = static_cast<double>(f.problem.num_vectors);
  for (int i = 0; i < 300; ++i) {
    Genome child = parent.genome;
    m.mutate(child, rng);
    const Evaluation e = ev.evaluate(child, parent, b, parent.fitness);
    if (e.outcome != Outcome::Evaluated && e.outcome != Outcome::Skipped) continue;
    if (e.fitness > parent.fitness) continue;
    const auto ref = reference_stats(reference_outputs(child, f.kinds, f.problem), f.problem);
    EXPECT_LE(static_cast<double>(ref.errors) / n, b.max_er);
    EXPECT_LE(static_cast<double>(ref.sum_abs) / (n * f.problem.normalizer), b.max_nmed);
    EXPECT_LE(ref.mre_sum / static_cast<double>(f.problem.nonzero_exact), b.max_mre);
    parent = ev.adopt(child, parent, e);
  }
}

// Operand weights: a skewed table (small operands common, as in a network)
// with zero entries; the bit-plane weighted sums must equal a scalar sum
// of w_k |e_k|, and a max_wmed bound must hold for every accepted child.
TEST_P(EvaluatorTest, WeightedMeanErrorMatchesScalarSumAndBoundHolds) {
  std::vector<double> table(f.problem.num_vectors);
  Rng trng(5, 9);
  for (std::uint64_t k = 0; k < f.problem.num_vectors; ++k) {
    const std::uint64_t a = k >> f.problem.b_width, b = k & ((1u << f.problem.b_width) - 1);
    table[k] = (trng.next() % 7 == 0) ? 0.0 : 1000.0 / static_cast<double>(1 + a) / static_cast<double>(1 + b);
  }
  set_weights(f.problem, table);
  ASSERT_TRUE(f.problem.weighted());
  for (std::uint64_t k = 0; k < f.problem.num_vectors; ++k) {
    EXPECT_EQ(f.problem.weights[k] == 0, table[k] == 0) << k;  // non-zero entries keep a weight >= 1
  }
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  b.eps = 1.0;
  b.max_wmed = 0.0005;
  Individual parent = ev.build(f.seed, b);
  Rng rng(21, 4);
  int accepted = 0;
  for (int i = 0; i < 300; ++i) {
    Genome child = parent.genome;
    m.mutate(child, rng);
    const Evaluation e = ev.evaluate(child, parent, b, parent.fitness);
    if (e.outcome != Outcome::Evaluated && e.outcome != Outcome::Skipped) continue;
    if (e.fitness > parent.fitness) continue;
    const auto out = reference_outputs(child, f.kinds, f.problem);
    std::uint64_t ref = 0;
    for (std::uint64_t k = 0; k < f.problem.num_vectors; ++k) {
      ref += f.problem.weights[k] * static_cast<std::uint64_t>(std::llabs(out[k] - f.problem.exact_values[k]));
    }
    EXPECT_EQ(e.stats.wsum, ref);
    EXPECT_LE(weighted_med(f.problem, out), b.max_wmed);
    EXPECT_DOUBLE_EQ(weighted_med(f.problem, out),
                     static_cast<double>(ref) / (static_cast<double>(f.problem.weight_total) * f.problem.normalizer));
    parent = ev.adopt(child, parent, e);
    EXPECT_EQ(ev.exact_stats(parent, true).wsum, ref);
    ++accepted;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_THROW(set_weights(f.problem, std::vector<double>(3, 1.0)), std::invalid_argument);
  EXPECT_THROW(set_weights(f.problem, std::vector<double>(f.problem.num_vectors, 0.0)), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Seeds, EvaluatorTest, ::testing::Values("4x4u", "8x8s"));

TEST(Bounds, ThresholdIsTheLargestErrorWithinEps) {
  const Problem p = make_problem(8, 8, true);
  EXPECT_EQ(p.normalizer, 16384.0);
  Bounds b;
  b.eps = 0.005;
  EXPECT_EQ(b.wce_threshold(p), 81);  // 0.005 * 16384 = 81.92
  b.eps = 0;
  EXPECT_EQ(b.wce_threshold(p), 0);
  const Problem u = make_problem(8, 8, false);
  EXPECT_EQ(u.normalizer, 65025.0);
}

}  // namespace
}  // namespace flowrun::approx
