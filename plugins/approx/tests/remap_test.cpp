// Re-mapping inside the GA: what run_ga adopts from a RemapFn, and the
// library approx.ga hands to ABC. (The Yosys/ABC round trip itself runs in
// stage_test, through flowrun.)
#include "abc_remap.hpp"
#include "ga.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace flowrun::approx {
namespace {

using test::netlist_text;
using test::reference_outputs;
using test::reference_stats;

GaParams remap_params() {
  GaParams p;
  p.eps_end = 0.05;
  p.eps_tau = 100;
  p.generations = 3000;
  p.log_every = 500;
  p.remap_every = 1000;
  p.threads = 2;
  p.migrate_every = 1000;
  p.seed = 5;
  return p;
}

TEST(Remap, TheSameCircuitIsAdoptedAtEqualCost) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  const GaResult r = run_ga(f.problem, f.kinds, f.allowed, f.seed, remap_params(), {},
                            [](const Genome& best, int) { return std::optional<Genome>(best); });
  // Two islands, three re-mapping points (generations 1000, 2000 and the
  // end), each skipped when the island's best is what the last one adopted.
  EXPECT_GT(r.remaps, 0u);
  EXPECT_LE(r.remaps, 6u);
  EXPECT_EQ(r.remaps_adopted, r.remaps);
  EXPECT_EQ(r.remaps_wrong, 0u);
  ASSERT_TRUE(r.found_feasible);
  const auto ref = reference_stats(reference_outputs(r.best, f.kinds, f.problem), f.problem);
  EXPECT_LE(static_cast<double>(ref.wce_abs), 0.05 * f.problem.normalizer);
}

TEST(Remap, AnotherFunctionOrAHigherCostLeavesTheSearchAsItWas) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  const GaParams p = remap_params();
  const GaResult plain = run_ga(f.problem, f.kinds, f.allowed, f.seed, p);
  // Output bit 0 tied to constant 0: cheaper, but not the same function.
  const RemapFn wrong = [](const Genome& best, int) {
    Genome g = best;
    g.outputs[0] = 0;
    return std::optional<Genome>(g);
  };
  const int inv = kind_index(f.kinds, "INV");
  ASSERT_GE(inv, 0);
  // Two inverters in front of output bit 0: the same function, 4 more transistors.
  const RemapFn costlier = [inv](const Genome& best, int) {
    Genome g = best;
    const std::uint32_t s = g.num_signals();
    Gate a;
    a.kind = static_cast<std::uint16_t>(inv);
    a.arity = 1;
    a.in[0] = g.outputs[0];
    Gate b = a;
    b.in[0] = s;
    g.gates.push_back(a);
    g.gates.push_back(b);
    g.outputs[0] = s + 1;
    return std::optional<Genome>(g);
  };
  const GaResult w = run_ga(f.problem, f.kinds, f.allowed, f.seed, p, {}, wrong);
  const GaResult c = run_ga(f.problem, f.kinds, f.allowed, f.seed, p, {}, costlier);
  EXPECT_GT(w.remaps, 0u);
  EXPECT_EQ(w.remaps_wrong, w.remaps);
  EXPECT_EQ(w.remaps_adopted, 0u);
  EXPECT_GT(c.remaps, 0u);
  EXPECT_EQ(c.remaps_wrong, 0u);
  EXPECT_EQ(c.remaps_adopted, 0u);
  for (const GaResult* r : {&w, &c}) {
    EXPECT_EQ(netlist_text(r->best, f), netlist_text(plain.best, f));
    EXPECT_EQ(r->counters.total(), plain.counters.total());
  }
}

TEST(Remap, AFailureInAWorkerThreadReachesTheCaller) {
  const auto f = test::load_fixture("mult4u_seed.v", 4, 4, false);
  const RemapFn fails_on_island_1 = [](const Genome& best, int island) {
    if (island == 1) throw std::runtime_error("re-mapping failed");
    return std::optional<Genome>(best);
  };
  EXPECT_THROW(run_ga(f.problem, f.kinds, f.allowed, f.seed, remap_params(), {}, fails_on_island_1),
               std::runtime_error);
}

TEST(Remap, TheLibraryForAbcHoldsTheAllowedCellsPricedByTheCostModel) {
  const auto f = test::load_fixture("mult8s_seed.v", 8, 8, true);
  const liberty::Library lib = liberty::parse_liberty(remap_liberty(f.kinds, f.allowed, f.netlist), "remap.lib");
  ASSERT_EQ(lib.cells.size(), f.allowed.size() + 1);
  for (const std::uint16_t k : f.allowed) {
    const GateKind& kind = f.kinds[k];
    const liberty::LibCell* cell = lib.find(kind.name);
    ASSERT_NE(cell, nullptr) << kind.name;
    EXPECT_EQ(cell->area, kind.cost) << kind.name;  // transistors, not the Liberty area
    ASSERT_TRUE(cell->has_truth) << kind.name;
    EXPECT_EQ(cell->truth & ((1u << (1u << kind.arity)) - 1u), kind.truth) << kind.name;
    EXPECT_EQ(cell->inputs, f.netlist.cell(kind.name).inputs) << kind.name;
  }
  const liberty::LibCell* buffer = lib.find(kRemapBuffer);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(buffer->truth & 3u, 2u);  // Y = A
  EXPECT_EQ(kind_index(f.kinds, kRemapBuffer), -1);  // the GA cannot use it
}

}  // namespace
}  // namespace flowrun::approx
