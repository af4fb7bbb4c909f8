// Whole GA runs: cost goes down while the bound holds, runs are
// reproducible, and the final metrics equal an independent evaluation.
#include "ga.hpp"
#include "lut.hpp"
#include "test_support.hpp"

#include <flowrun_gates/error_metrics.hpp>

#include <gtest/gtest.h>


namespace flowrun::approx {
namespace {

using test::netlist_text;
using test::reference_outputs;
using test::reference_stats;

GaParams small_params(double eps_end) {
  GaParams p;
  p.eps_end = eps_end;
  p.eps_tau = 100;
  p.generations = 6000;
  p.log_every = 500;
  p.seed = 42;
  return p;
}

// Two islands on two threads exchanging their best every 1000 generations.
GaParams two_island_params(double eps_end) {
  GaParams p = small_params(eps_end);
  p.threads = 2;
  p.migrate_every = 1000;
  return p;
}

double cost_of(const Genome& g, const std::vector<GateKind>& kinds) {
  std::vector<std::uint8_t> act;
  mark_active(g, act);
  return active_cost(g, kinds, act);
}

TEST(Ga, ShortRunOnA4x4MultiplierReducesCostWithinTheBound) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  for (const double eps : {0.0, 0.05}) {
    const GaResult r = run_ga(f.problem, f.kinds, f.allowed, f.seed, small_params(eps));
    ASSERT_TRUE(r.found_feasible);
    const double seed_cost = cost_of(f.seed, f.kinds);
    const auto ref = reference_stats(reference_outputs(r.best, f.kinds, f.problem), f.problem);
    EXPECT_LE(static_cast<double>(ref.wce_abs), eps * f.problem.normalizer) << "eps " << eps;
    EXPECT_EQ(cost_of(r.best, f.kinds), r.best_cost);
    if (eps > 0) {
      EXPECT_LT(r.best_cost, 0.8 * seed_cost) << "seed " << seed_cost;
    } else {
      EXPECT_LE(r.best_cost, seed_cost);  // exact: at most as large (redundancy may go)
    }
    EXPECT_EQ(r.generations, 6000u);
    EXPECT_GT(r.counters.total(), 6000u * 4 - 1);
  }
}

TEST(Ga, SameSeedThreadsAndGenerationsGiveTheSameNetlist) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  GaParams p = two_island_params(0.03);
  p.generations = 3000;
  const GaResult a = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  const GaResult b = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  EXPECT_EQ(netlist_text(a.best, f), netlist_text(b.best, f));
  EXPECT_EQ(a.counters.total(), b.counters.total());
  p.seed = 43;
  const GaResult c = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  EXPECT_NE(a.counters.early_rejected, c.counters.early_rejected);  // another seed, another search
}

TEST(Ga, TheResultDependsOnTheIslandCountNotOnTheThreadCount) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  for (const Migration migration : {Migration::Broadcast, Migration::Ring}) {
    GaParams p = small_params(0.03);
    p.generations = 3000;
    p.islands = 3;
    p.migrate_every = 1000;
    p.migration = migration;
    p.threads = 1;
    const GaResult one = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
    p.threads = 2;
    const GaResult two = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
    p.threads = 8;  // more threads than islands: one island per thread
    const GaResult eight = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
    EXPECT_EQ(netlist_text(one.best, f), netlist_text(two.best, f));
    EXPECT_EQ(netlist_text(one.best, f), netlist_text(eight.best, f));
    EXPECT_EQ(one.counters.total(), two.counters.total());
    EXPECT_EQ(one.counters.total(), eight.counters.total());
    EXPECT_EQ(one.counters.total(), 3u * 3000 * p.pop_size);  // every island ran every generation
  }
}

TEST(Ga, MigrationMovesOnlyStrictlyBetterIndividuals) {
  // Four islands of one individual each: best == worst.
  const std::vector<double> fit = {5, 3, 3, 7};
  EXPECT_EQ(migration_plan(fit, fit, Migration::Broadcast), (std::vector<int>{1, -1, -1, 1}));
  EXPECT_EQ(migration_plan(fit, fit, Migration::Ring), (std::vector<int>{-1, -1, -1, 2}));
  const std::vector<double> ring = {1, 4, 2, 9};  // each island hears only from the one before
  EXPECT_EQ(migration_plan(ring, ring, Migration::Ring), (std::vector<int>{-1, 0, -1, 2}));
  EXPECT_EQ(migration_plan(ring, ring, Migration::Broadcast), (std::vector<int>{-1, 0, 0, 0}));
  // Populations: the worst member is what gets replaced.
  EXPECT_EQ(migration_plan({2, 4}, {6, 9}, Migration::Broadcast), (std::vector<int>{-1, 0}));
  EXPECT_EQ(migration_plan({2, 4}, {6, 9}, Migration::Ring), (std::vector<int>{1, 0}));
  EXPECT_EQ(migration_plan({4}, {4}, Migration::Ring), (std::vector<int>{-1}));
}

TEST(Ga, RingOfIslandsMeetsTheBound) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  GaParams p = small_params(0.05);
  p.generations = 3000;
  p.islands = 4;
  p.threads = 2;
  p.migration = Migration::Ring;
  p.migrate_every = 1000;
  const GaResult r = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  ASSERT_TRUE(r.found_feasible);
  const auto ref = reference_stats(reference_outputs(r.best, f.kinds, f.problem), f.problem);
  EXPECT_LE(static_cast<double>(ref.wce_abs), 0.05 * f.problem.normalizer);
  EXPECT_LT(r.best_cost, 0.9 * cost_of(f.seed, f.kinds));
}

TEST(Ga, MuPlusLambdaWithCrossoverMeetsTheBound) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  GaParams p = small_params(0.05);
  p.strategy = Strategy::MuPlusLambda;
  p.pop_size = 8;
  p.crossover = 0.3;
  p.generations = 1500;
  const GaResult r = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  ASSERT_TRUE(r.found_feasible);
  const auto ref = reference_stats(reference_outputs(r.best, f.kinds, f.problem), f.problem);
  EXPECT_LE(static_cast<double>(ref.wce_abs), 0.05 * f.problem.normalizer);
  EXPECT_LT(r.best_cost, cost_of(f.seed, f.kinds));
}

TEST(Ga, CrossoverChildrenAreValid) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  Mutator m;
  m.kinds = &f.kinds;
  m.allowed = f.allowed;
  Rng rng(1, 2);
  Genome other = f.seed;
  for (int i = 0; i < 30; ++i) m.mutate(other, rng);
  for (int i = 0; i < 200; ++i) {
    const Genome c = crossover(f.seed, other, rng);
    ASSERT_NO_THROW(c.check(f.kinds.size()));
  }
}

TEST(Ga, SubstitutionRunsMeetTheBoundAndRepeat) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  GaParams p = two_island_params(0.05);
  p.substitute_rate = 0.3;
  const GaResult a = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  const GaResult b = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  ASSERT_TRUE(a.found_feasible);
  EXPECT_EQ(netlist_text(a.best, f), netlist_text(b.best, f));
  const auto ref = reference_stats(reference_outputs(a.best, f.kinds, f.problem), f.problem);
  EXPECT_LE(static_cast<double>(ref.wce_abs), 0.05 * f.problem.normalizer);
  EXPECT_LT(a.best_cost, 0.8 * cost_of(f.seed, f.kinds));
}

TEST(Ga, FinalMetricsEqualAnIndependentTruthTable) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  const GaResult r = run_ga(f.problem, f.kinds, f.allowed, f.seed, small_params(0.08));
  const gates::Netlist nl = netlist_from_genome(r.best, f.kinds, f.netlist);
  const ProductTable t = product_table(nl, 4, 4, false);
  const auto ref_values = reference_outputs(r.best, f.kinds, f.problem);
  EXPECT_EQ(t.values, ref_values);
  const gates::ErrorMetrics em = table_metrics(t);
  const auto ref = reference_stats(ref_values, f.problem);
  const double n = static_cast<double>(f.problem.num_vectors);
  EXPECT_EQ(em.wce_abs, ref.wce_abs);
  EXPECT_DOUBLE_EQ(em.wce, static_cast<double>(ref.wce_abs) / f.problem.normalizer);
  EXPECT_DOUBLE_EQ(em.er, static_cast<double>(ref.errors) / n);
  EXPECT_DOUBLE_EQ(em.med, static_cast<double>(ref.sum_abs) / n);
  EXPECT_NEAR(em.mre, ref.mre_sum / static_cast<double>(f.problem.nonzero_exact), 1e-12);
  EXPECT_EQ(r.best_stats.wce_abs, ref.wce_abs);
  EXPECT_GT(em.wce, 0.0);  // the bound was used
  EXPECT_LE(em.wce, 0.08);
}

}  // namespace
}  // namespace flowrun::approx
