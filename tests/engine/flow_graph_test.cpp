// Graph helpers, DOT output and the benchmark flow generator.
#include "flow_test_util.hpp"

#include "flow_generate.hpp"
#include "flow_graph.hpp"

#include <algorithm>

namespace flowrun::test {
namespace {

size_t position(const std::vector<std::string>& v, const std::string& name) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), name) - v.begin());
}

TEST(FlowGraph, TopologicalOrderPutsProducersFirst) {
  const auto r = load_data("sweep_join.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const auto order = topological_order(r.flow);
  ASSERT_EQ(order.size(), r.flow.stages.size());
  for (const auto& s : r.flow.stages)
    for (const auto& dep : instance_dependencies(s))
      EXPECT_LT(position(order, dep), position(order, s.name)) << dep << " before " << s.name;
}

TEST(FlowGraph, DownstreamOfAnInstance) {
  const auto r = load_data("sweep_join.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const auto down = downstream_of(r.flow, "a[lines=1]");
  EXPECT_EQ(down, (std::vector<std::string>{"b[lines=1,mode=upper]", "b[lines=1,mode=lower]",
                                            "c[lines=1,mode=upper]", "c[lines=1,mode=lower]",
                                            "d"}));
}

TEST(FlowGraph, FindCyclesAndSort) {
  // 0 needs 2, 1 needs 0, 2 needs 1: data flows 0 -> 1 -> 2 -> 0.
  const std::vector<std::vector<size_t>> deps = {{2}, {0}, {1}, {3}, {}};
  const auto cycles = find_cycles(deps);
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_EQ(cycles[0], (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(cycles[1], (std::vector<size_t>{3}));
  EXPECT_EQ(topological_sort(deps), std::vector<size_t>{4});
  EXPECT_EQ(topological_sort({{1}, {}, {0, 1}}), (std::vector<size_t>{1, 0, 2}));
}

TEST(FlowGraph, DotHasNodesEdgesAndDashedAfter) {
  const auto r = load_data("valid_basic.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const std::string dot = flow_to_dot(r.flow);
  EXPECT_EQ(dot.rfind("digraph \"basic\" {", 0), 0u) << dot;
  EXPECT_NE(dot.find("\"src\" [label=\"src\\ndemo.source\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"up\" [label=\"up\\ndemo.transform\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"src\" -> \"up\" [label=\"text\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"up\" -> \"typed\" [label=\"text\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"src\" -> \"typed\" [style=dashed"), std::string::npos) << dot;
  EXPECT_NE(dot.find("[shape=note, label=\"notes.txt\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("-> \"up\" [label=\"extra\"]"), std::string::npos) << dot;
  EXPECT_EQ(dot.back(), '\n');
}

TEST(FlowGraph, DotOfASweepNamesEveryInstance) {
  const auto r = load_data("sweep.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const std::string dot = flow_to_dot(r.flow);
  for (const auto& s : r.flow.stages) EXPECT_NE(dot.find("\"" + s.name + "\" [label="), std::string::npos) << s.name;
  EXPECT_NE(dot.find("\"up[lines=1,text=a,mode=upper]\" -> \"cat\" [label=\"text -> parts\"];"),
            std::string::npos)
      << dot;
}

TEST(FlowGenerate, GeneratedChainFlowIsValid) {
  const std::string plugin = FLOWRUN_TEST_PLUGIN_DIR "/libflowrun_demo.so";
  const fs::path file = write_temp_flow("chain.yaml", generate_chain_flow(120, plugin));
  std::vector<Diagnostic> diags;
  const auto plugins = flow_plugin_paths(file, diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0], fs::path(plugin).lexically_normal());
  const auto r = load(file);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  ASSERT_EQ(r.flow.stages.size(), 120u);
  EXPECT_EQ(r.stage("s50").kind, "demo.concat");
  EXPECT_EQ(r.stage("s50").inputs.at("parts").size(), 10u);
  EXPECT_EQ(r.stage("s7").inputs.at("extra")[0].stage, "s0");
  EXPECT_EQ(r.stage("s3").params["prefix"], "hello-3 ");
  EXPECT_EQ(topological_order(r.flow).back(), "s119");
}

}  // namespace
}  // namespace flowrun::test
