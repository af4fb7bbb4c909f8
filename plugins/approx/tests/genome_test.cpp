// Genome operators keep the circuit valid and topologically ordered.
#include "genome.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace flowrun::approx {
namespace {

using test::load_fixture;
using test::reference_outputs;

class GenomeTest : public ::testing::Test {
 protected:
  void SetUp() override { f = load_fixture("mult4u_seed.v", 4, 4, false); }
  test::Fixture f;
  Mutator mutator() const {
    Mutator m;
    m.kinds = &f.kinds;
    m.allowed = f.allowed;
    return m;
  }
};

TEST_F(GenomeTest, SeedIsTheExactMultiplier) {
  f.seed.check(f.kinds.size());
  EXPECT_EQ(reference_outputs(f.seed, f.kinds, f.problem), f.problem.exact_values);
}

TEST_F(GenomeTest, EveryOperatorKeepsTopologicalOrder) {
  const Mutator m = mutator();
  using Op = bool (Mutator::*)(Genome&, Rng&) const;
  const Op ops[] = {&Mutator::add_gate, &Mutator::delete_gate, &Mutator::change_type,
                    &Mutator::rewire_input, &Mutator::rewire_output, &Mutator::merge_equivalent};
  for (int op = 0; op < 6; ++op) {
    Rng rng(7, static_cast<std::uint64_t>(op));
    Genome g = f.seed;
    int applied = 0;
    for (int i = 0; i < 400; ++i) {
      const std::size_t before = g.gates.size();
      if ((m.*ops[op])(g, rng)) ++applied;
      ASSERT_NO_THROW(g.check(f.kinds.size())) << "operator " << op << " step " << i;
      if (op == 0 && g.gates.size() < 2000) EXPECT_LE(g.gates.size(), before + 1);
      // Keep the circuit from collapsing so the operators stay exercised.
      if (g.gates.size() < 8) g = f.seed;
      if (op == 0 && g.gates.size() > 300) g = f.seed;
    }
    if (op != 5) EXPECT_GT(applied, 100) << "operator " << op;
  }
}

TEST_F(GenomeTest, AddedGateIsReadAndNewGatesAreMarked) {
  const Mutator m = mutator();
  Rng rng(3, 0);
  for (int i = 0; i < 100; ++i) {
    Genome g = f.seed;
    g.make_parent();
    ASSERT_TRUE(m.add_gate(g, rng));
    std::size_t fresh = 0;
    for (std::size_t j = 0; j < g.gates.size(); ++j) {
      if (g.gates[j].origin >= 0) continue;
      ++fresh;
      const std::uint32_t sig = g.first_gate() + static_cast<std::uint32_t>(j);
      bool read = std::count(g.outputs.begin(), g.outputs.end(), sig) > 0;
      for (const auto& gt : g.gates) read = read || gt.in[0] == sig || (gt.arity == 2 && gt.in[1] == sig);
      EXPECT_TRUE(read);
    }
    EXPECT_EQ(fresh, 1u);
  }
}

TEST_F(GenomeTest, MergeAndPruneKeepTheFunction) {
  const Mutator m = mutator();
  // Duplicate a gate and point some readers at the copy: merging must find
  // it, and neither merge nor prune may change any output.
  Genome g = f.seed;
  const std::uint32_t fg = g.first_gate();
  Gate copy = g.gates[3];
  g.gates.push_back(copy);
  const std::uint32_t copy_sig = fg + static_cast<std::uint32_t>(g.gates.size() - 1);
  g.outputs.back() = copy_sig;  // the copy computes what gate 3 computes
  Genome ref = f.seed;
  ref.outputs.back() = fg + 3;
  g.check(f.kinds.size());
  const auto want = reference_outputs(ref, f.kinds, f.problem);
  EXPECT_EQ(reference_outputs(g, f.kinds, f.problem), want);
  Rng rng(1, 1);
  ASSERT_TRUE(m.merge_equivalent(g, rng));
  g.check(f.kinds.size());
  EXPECT_EQ(reference_outputs(g, f.kinds, f.problem), want);
  const std::size_t before = g.gates.size();
  prune_inactive(g);
  g.check(f.kinds.size());
  EXPECT_LT(g.gates.size(), before);
  EXPECT_EQ(count_active(g), g.gates.size());
  EXPECT_EQ(reference_outputs(g, f.kinds, f.problem), want);
}

TEST_F(GenomeTest, RandomGenomeIsValid) {
  Rng rng(5, 5);
  const Genome g = random_genome(8, 8, 200, f.kinds, f.allowed, rng);
  EXPECT_NO_THROW(g.check(f.kinds.size()));
  EXPECT_EQ(g.gates.size(), 200u);
  EXPECT_EQ(g.outputs.size(), 8u);
}

}  // namespace
}  // namespace flowrun::approx
