// The incremental activity/cost/cone derivation against the full passes
// over every gate, for random offspring of parents that walk through the
// search space (so parents carry inactive gates too).
#include "cone_plan.hpp"
#include "evaluator.hpp"
#include "ga.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace flowrun::approx {
namespace {

class ConePlanTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    f = test::load_seed_fixture(GetParam());
    m.kinds = &f.kinds;
    m.allowed = f.allowed;
  }
  // Both plans of one child agree on everything the evaluator uses.
  void expect_same_plan(const Genome& child, const Individual& parent, bool expect_incremental, int round) {
    ConePlan inc(f.kinds), full(f.kinds);
    full.allow_incremental(false);
    inc.activity(child, parent);
    full.activity(child, parent);
    ASSERT_FALSE(full.incremental());
    if (expect_incremental) ASSERT_TRUE(inc.incremental()) << "round " << round;
    ASSERT_EQ(inc.cost_units(), full.cost_units()) << "round " << round;
    ASSERT_EQ(inc.active_gates(), full.active_gates()) << "round " << round;
    std::vector<std::uint8_t> act;
    mark_active(child, act);
    for (std::uint32_t i = 0; i < child.gates.size(); ++i) {
      ASSERT_EQ(inc.active(i), act[i] != 0) << "round " << round << " gate " << i;
      ASSERT_EQ(full.active(i), act[i] != 0) << "round " << round << " gate " << i;
    }
    inc.cone();
    full.cone();
    ASSERT_EQ(inc.gates(), full.gates()) << "round " << round;
    ASSERT_EQ(inc.outputs_changed(), full.outputs_changed()) << "round " << round;
    for (std::uint32_t i = 0; i < child.gates.size(); ++i) ASSERT_EQ(inc.cone_pos(i), full.cone_pos(i));
  }
  test::Fixture f;
  Mutator m;
};

TEST_P(ConePlanTest, FanoutIndexCountsActiveReaders) {
  Evaluator ev(f.problem, f.kinds);
  Individual ind = ev.build(f.seed, Bounds{});
  Rng rng(3, 0);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::uint8_t> act;
    mark_active(ind.genome, act);
    const std::uint32_t fg = ind.genome.first_gate();
    std::vector<std::uint32_t> refs(ind.genome.gates.size(), 0);
    for (std::uint32_t s : ind.genome.outputs) if (s >= fg) ++refs[s - fg];
    for (std::size_t i = 0; i < ind.genome.gates.size(); ++i) {
      if (!act[i]) continue;
      const Gate& g = ind.genome.gates[i];
      for (int k = 0; k < g.arity; ++k) {
        if (g.in[k] < fg) continue;
        ++refs[g.in[k] - fg];
        const auto& fx = ind.fanout;
        const auto* b = fx.readers.data() + fx.begin[g.in[k] - fg];
        const auto* e = fx.readers.data() + fx.begin[g.in[k] - fg + 1];
        EXPECT_NE(std::find(b, e, static_cast<std::uint32_t>(i)), e);
      }
    }
    ASSERT_EQ(ind.fanout.refs, refs);
    EXPECT_EQ(ind.active_gates, static_cast<std::size_t>(std::count(act.begin(), act.end(), 1)));
    Genome g = ind.genome;
    for (int i = 0; i < 4; ++i) m.mutate(g, rng);
    ind = ev.build(g, Bounds{});
  }
}

TEST_P(ConePlanTest, IncrementalEqualsFullPasses) {
  Evaluator ev(f.problem, f.kinds);
  Bounds b;
  b.eps = 1e9;  // every candidate is accepted: the walk visits odd circuits
  Individual parent = ev.build(f.seed, b);
  Rng rng(17, 4);
  // Delete- and add-heavy weights too, so index shifts and cascades of
  // deactivation are exercised, not only rewires.
  const MutationWeights mixes[] = {MutationWeights{}, MutationWeights{{3, 3, 1, 1, 1, 1}},
                                   MutationWeights{{0, 1, 0, 0, 1, 3}}};
  for (int round = 0; round < 600; ++round) {
    m.weights = mixes[round % 3];
    Genome child = parent.genome;
    const int n = 1 + static_cast<int>(rng.below(4));
    for (int k = 0; k < n; ++k) m.mutate(child, rng);
    expect_same_plan(child, parent, true, round);
    if (HasFatalFailure()) return;
    const Evaluation e = ev.evaluate(child, parent, b, std::numeric_limits<double>::infinity());
    ASSERT_TRUE(ev.last_incremental());
    if (rng.below(2) == 0) parent = ev.adopt(child, parent, e);
  }
}

TEST_P(ConePlanTest, CrossoverChildrenTakeTheFullMethod) {
  Evaluator ev(f.problem, f.kinds);
  Individual a = ev.build(f.seed, Bounds{});
  Rng rng(23, 5);
  for (int round = 0; round < 20; ++round) {
    Genome other = a.genome;
    for (int k = 0; k < 5; ++k) m.mutate(other, rng);
    const Genome child = crossover(a.genome, other, rng);
    // Whichever method is chosen, the plan must be right.
    expect_same_plan(child, a, false, round);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ConePlanTest, ::testing::Values("4x4u", "8x8s"));

}  // namespace
}  // namespace flowrun::approx
