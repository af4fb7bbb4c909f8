// Sweeps: matrix expansion, inheritance by non-many consumers, joins on
// shared keys, gathering by many inputs, and the ambiguous case.
#include "flow_test_util.hpp"

namespace flowrun::test {
namespace {

std::vector<std::string> names_of(const Flow& flow, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& s : flow.stages)
    if (s.base_name == base) out.push_back(s.name);
  return out;
}

TEST(FlowSweep, MatrixProductNamesDirsAndParams) {
  const auto r = load_data("sweep.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(names_of(r.flow, "src"),
            (std::vector<std::string>{"src[lines=1,text=a]", "src[lines=1,text=b c]",
                                      "src[lines=2,text=a]", "src[lines=2,text=b c]"}));
  const auto& s = r.stage("src[lines=2,text=b c]");
  EXPECT_EQ(s.base_name, "src");
  EXPECT_EQ(s.dir, "src.lines=2.text=b_c");
  EXPECT_EQ(s.params["lines"], 2);  // from "${n}", typed
  EXPECT_EQ(s.params["text"], "b c");
  EXPECT_EQ(s.matrix, json({{"lines", 2}, {"text", "b c"}}));
}

TEST(FlowSweep, NonManyConsumerIsSweptAlongside) {
  const auto r = load_data("sweep.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const auto up = names_of(r.flow, "up");
  ASSERT_EQ(up.size(), 8u);
  EXPECT_EQ(up[0], "up[lines=1,text=a,mode=upper]");
  EXPECT_EQ(up[1], "up[lines=1,text=a,mode=lower]");
  const auto& u = r.stage("up[lines=2,text=a,mode=lower]");
  EXPECT_EQ(u.dir, "up.lines=2.text=a.mode=lower");
  EXPECT_EQ(u.params["mode"], "lower");
  EXPECT_FALSE(u.params.contains("lines"));  // inherited keys are not its params
  EXPECT_EQ(u.matrix, json({{"lines", 2}, {"text", "a"}, {"mode", "lower"}}));
  ASSERT_EQ(u.inputs.at("text").size(), 1u);
  EXPECT_EQ(u.inputs.at("text")[0].stage, "src[lines=2,text=a]");
}

TEST(FlowSweep, ManyConsumerGathersEveryInstanceAndAfterWaitsForAll) {
  const auto r = load_data("sweep.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  ASSERT_EQ(names_of(r.flow, "cat"), std::vector<std::string>{"cat"});
  const auto& parts = r.stage("cat").inputs.at("parts");
  ASSERT_EQ(parts.size(), 8u);
  EXPECT_EQ(parts[0].stage, "up[lines=1,text=a,mode=upper]");
  EXPECT_EQ(parts[7].stage, "up[lines=2,text=b c,mode=lower]");
  const auto& fin = r.stage("fin");
  EXPECT_EQ(fin.after, (std::vector<std::string>{"src[lines=1,text=a]", "src[lines=1,text=b c]",
                                                 "src[lines=2,text=a]", "src[lines=2,text=b c]"}));
  EXPECT_EQ(r.flow.stages.size(), 4u + 8u + 1u + 1u);
}

TEST(FlowSweep, InheritedValuesAreJoinedOnSharedKeys) {
  const auto r = load_data("sweep_join.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  // c follows b (lines x mode) and a (lines): 4 instances, not 8.
  EXPECT_EQ(names_of(r.flow, "c"),
            (std::vector<std::string>{"c[lines=1,mode=upper]", "c[lines=1,mode=lower]",
                                      "c[lines=2,mode=upper]", "c[lines=2,mode=lower]"}));
  const auto& c = r.stage("c[lines=2,mode=upper]");
  EXPECT_EQ(c.inputs.at("text")[0].stage, "b[lines=2,mode=upper]");
  EXPECT_EQ(c.inputs.at("extra")[0].stage, "a[lines=2]");
  // d gathers both lists, in order.
  const auto& parts = r.stage("d").inputs.at("parts");
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(parts[0].stage, "a[lines=1]");
  EXPECT_EQ(parts[1].stage, "a[lines=2]");
  EXPECT_EQ(parts[2].stage, "c[lines=1,mode=upper]");
}

TEST(FlowSweep, OwnKeyEqualToAnInheritedKeyIsAnError) {
  const auto r = load_data("sweep_conflict.yaml");
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_TRUE(r.has(12, 14, "matrix key 'mode' of stage 'b' is already swept by upstream stage 'a'")) << r.all();
}

TEST(FlowSweep, SetCannotOverrideASweptParam) {
  FlowOptions options;
  options.overrides = {"up.mode=none", "up.prefix=->"};
  const auto r = load_data("sweep.yaml", options);
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_TRUE(r.has(1, 4, "param 'mode' of stage 'up' is swept by its `matrix`")) << r.all();
}

TEST(FlowSweep, OverridesApplyToEveryInstance) {
  FlowOptions options;
  options.overrides = {"up.prefix=->"};
  const auto r = load_data("sweep.yaml", options);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  for (const auto& s : r.flow.stages)
    if (s.base_name == "up") EXPECT_EQ(s.params["prefix"], "->") << s.name;
}

TEST(FlowSweep, UnsafeValuesMakeSafeUniqueDirs) {
  const auto r = load(write_temp_flow("dirs.yaml",
                                      "stages:\n"
                                      "  s:\n"
                                      "    uses: demo.source\n"
                                      "    matrix: {text: [\"a/b\", \"a b\", \"../x\"]}\n"));
  ASSERT_TRUE(r.diags.empty()) << r.all();
  ASSERT_EQ(r.flow.stages.size(), 3u);
  EXPECT_EQ(r.flow.stages[0].name, "s[text=a/b]");
  EXPECT_EQ(r.flow.stages[0].dir, "s.text=a_b");
  EXPECT_EQ(r.flow.stages[1].dir, "s.text=a_b-2");
  EXPECT_EQ(r.flow.stages[2].dir, "s.text=.._x");
  for (const auto& s : r.flow.stages)
    EXPECT_EQ(s.dir.find('/'), std::string::npos) << s.dir;
}

}  // namespace
}  // namespace flowrun::test
