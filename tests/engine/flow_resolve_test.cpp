// A valid flow resolves to instances with every param typed and defaulted,
// ${...} substituted, paths made absolute, and --set overrides applied.
#include "flow_test_util.hpp"

#include <cstdlib>

namespace flowrun::test {
namespace {

TEST(FlowResolve, BasicFlowParamsAndInputs) {
  const auto r = load_data("valid_basic.yaml");
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(r.flow.name, "basic");
  EXPECT_EQ(r.flow.description, "a source feeding a transform and a typed stage");
  EXPECT_TRUE(r.flow.file.is_absolute());
  ASSERT_EQ(r.flow.stages.size(), 3u);
  EXPECT_EQ(r.flow.stages[0].name, "src");
  EXPECT_EQ(r.flow.stages[1].name, "up");
  EXPECT_EQ(r.flow.stages[2].name, "typed");

  const auto& src = r.stage("src");
  EXPECT_EQ(src.kind, "demo.source");
  EXPECT_EQ(src.dir, "src");
  EXPECT_NE(src.stage, nullptr);
  // "${n}" alone keeps the var's int type; inside text it is substituted.
  EXPECT_TRUE(src.params["lines"].is_number_integer());
  EXPECT_EQ(src.params["lines"], 3);
  EXPECT_EQ(src.params["text"], "hi there");
  EXPECT_EQ(src.loc.line, 8);
  EXPECT_EQ(src.loc.col, 3);

  const auto& up = r.stage("up");
  EXPECT_EQ(up.params["mode"], "lower");
  EXPECT_EQ(up.params["prefix"], "> ");
  ASSERT_EQ(up.inputs.at("text").size(), 1u);
  EXPECT_EQ(up.inputs.at("text")[0].stage, "src");
  EXPECT_EQ(up.inputs.at("text")[0].port, "text");
  ASSERT_EQ(up.inputs.at("extra").size(), 1u);
  EXPECT_TRUE(up.inputs.at("extra")[0].stage.empty());
  EXPECT_EQ(up.inputs.at("extra")[0].file, flow_path("notes.txt"));
  EXPECT_EQ(up.inputs.at("extra")[0].loc.line, 13);

  const auto& typed = r.stage("typed");
  EXPECT_EQ(typed.params.size(), 9u) << typed.params.dump();
  EXPECT_EQ(typed.params["label"], "x");
  EXPECT_TRUE(typed.params["ratio"].is_number_float());  // int given for a float
  EXPECT_EQ(typed.params["ratio"].get<double>(), 1.0);
  EXPECT_EQ(typed.params["data"], flow_path("notes.txt").string());
  EXPECT_EQ(typed.params["ints"], json::array({0, 100}));
  // Defaults.
  EXPECT_EQ(typed.params["flag"], false);
  EXPECT_EQ(typed.params["count"], 3);
  EXPECT_EQ(typed.params["mode"], "a");
  EXPECT_EQ(typed.params["floats"], json::array({0.5}));
  EXPECT_EQ(typed.params["tags"], json::array());
  EXPECT_EQ(typed.after, std::vector<std::string>{"src"});
  EXPECT_EQ(typed.description, "every param type");
  EXPECT_FALSE(typed.inputs.count("missing"));
}

TEST(FlowResolve, BuiltinAndEnvironmentVars) {
  FlowOptions options;
  options.builtin_vars["flowrun.share"] = "/usr/share/flowrun";
  ::setenv("FLOWRUN_TEST_WORD", "from-env", 1);
  const auto r = load(write_temp_flow("builtins.yaml",
                                      "vars: {base: \"${flowrun.share}/x\"}\n"
                                      "stages:\n"
                                      "  s:\n"
                                      "    uses: demo.source\n"
                                      "    with: {text: \"${base} ${env.FLOWRUN_TEST_WORD} $${kept}\"}\n"),
                      options);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(r.stage("s").params["text"], "/usr/share/flowrun/x from-env ${kept}");

  const auto bad = load(write_temp_flow("env.yaml",
                                        "stages:\n"
                                        "  s:\n"
                                        "    uses: demo.source\n"
                                        "    with: {text: \"${env.FLOWRUN_TEST_SURELY_UNSET}\"}\n"));
  EXPECT_TRUE(bad.has(4, 18, "environment variable 'FLOWRUN_TEST_SURELY_UNSET' used in "
                             "'${env.FLOWRUN_TEST_SURELY_UNSET}' is not set"))
      << bad.all();
}

TEST(FlowResolve, VarsUseEarlierVarsAndUnquotedResultsAreRetyped) {
  const auto r = load(write_temp_flow("vars.yaml",
                                      "vars:\n"
                                      "  n: 1\n"
                                      "  family: demo\n"
                                      "  kind: ${family}.source\n"
                                      "  same: ${n}\n"
                                      "stages:\n"
                                      "  s:\n"
                                      "    uses: ${kind}\n"
                                      "    description: makes ${n}0 lines\n"
                                      "    with:\n"
                                      "      lines: ${n}0\n"
                                      "      text: \"${same}${same}\"\n"));
  ASSERT_TRUE(r.diags.empty()) << r.all();
  const auto& s = r.stage("s");
  EXPECT_EQ(s.kind, "demo.source");
  EXPECT_EQ(s.description, "makes 10 lines");
  EXPECT_EQ(s.params["lines"], 10);  // "10" unquoted reads as an int
  EXPECT_EQ(s.params["text"], "11");  // quoted text stays text
  // '${same}' alone takes the var's type (an int), which a string param refuses.
  const auto bad = load(write_temp_flow("vars2.yaml",
                                        "vars: {n: 1}\n"
                                        "stages:\n"
                                        "  s:\n"
                                        "    uses: demo.source\n"
                                        "    with: {text: '${n}', lines: '${n}'}\n"));
  EXPECT_TRUE(bad.has(5, 18, "param 'text' of stage 's' must be a string, got int 1 (from '${n}', which keeps the var's type")) << bad.all();
  EXPECT_EQ(bad.diags.size(), 1u) << bad.all();
}

TEST(FlowResolve, TypedSubstitutionIsCheckedAgainstTheParam) {
  // A var holding text used where an int is declared is a type error at
  // the place of use.
  const auto r = load(write_temp_flow("typedvar.yaml",
                                      "vars: {n: many}\n"
                                      "stages:\n"
                                      "  s:\n"
                                      "    uses: demo.source\n"
                                      "    with: {lines: \"${n}\"}\n"));
  EXPECT_TRUE(r.has(5, 19, "param 'lines' of stage 's' must be an int, got string 'many'")) << r.all();
}

TEST(FlowResolve, SetOverridesApplyAndAreTyped) {
  FlowOptions options;
  options.overrides = {"src.lines=5", "up.prefix='a: b'", "typed.ints=[3, 4]", "typed.data=",
                       "typed.flag=true", "src.lines=7"};
  const auto r = load_data("valid_basic.yaml", options);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(r.stage("src").params["lines"], 7);  // the last --set wins
  EXPECT_EQ(r.stage("up").params["prefix"], "a: b");
  EXPECT_EQ(r.stage("typed").params["ints"], json::array({3, 4}));
  EXPECT_EQ(r.stage("typed").params["data"], "");  // empty path: not given
  EXPECT_EQ(r.stage("typed").params["flag"], true);
}

TEST(FlowResolve, SetOverridePathsAreRelativeToTheWorkingDirectory) {
  FlowOptions options;
  const fs::path here = fs::current_path();
  fs::current_path(flow_path("."));
  options.overrides = {"typed.data=valid_basic.yaml"};
  const auto r = load_data("valid_basic.yaml", options);
  fs::current_path(here);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(fs::path(r.stage("typed").params["data"].get<std::string>()),
            flow_path("valid_basic.yaml"));
}

TEST(FlowResolve, BadSetOverridesAreReportedOnTheCommandLine) {
  FlowOptions options;
  options.overrides = {"srcc.lines=1", "src.line=1", "src.lines=abc", "nonsense",
                       "src.lines=[1", "typed.count=99"};
  const auto r = load_data("valid_basic.yaml", options);
  ASSERT_EQ(r.diags.size(), 6u) << r.all();
  EXPECT_EQ(r.diags[0].str(),
            "<command line>:1:1: error: --set srcc.lines=1: the flow has no stage 'srcc'; did you "
            "mean 'src'?");
  EXPECT_TRUE(r.has(2, 5, "--set src.line=1: stage 'src' (demo.source) has no param 'line'; did you mean 'lines'?")) << r.all();
  EXPECT_TRUE(r.has(3, 11, "--set src.lines: param 'lines' of stage 'src' must be an int, got string 'abc'")) << r.all();
  EXPECT_TRUE(r.has(4, 1, "--set nonsense: expected STAGE.PARAM=VALUE")) << r.all();
  EXPECT_TRUE(r.has(5, 11, "--set src.lines=[1: the value is not valid YAML")) << r.all();
  EXPECT_TRUE(r.has(6, 13, "param 'count' of stage 'typed' is 99, above the maximum 10")) << r.all();
  for (const auto& d : r.diags) EXPECT_EQ(d.loc.file, "<command line>");
}

TEST(FlowResolve, FlowNameDefaultsToTheFileName) {
  const auto r = load(write_temp_flow("unnamed.yaml", "stages:\n  s: {uses: demo.source}\n"));
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(r.flow.name, "unnamed");
}

}  // namespace
}  // namespace flowrun::test
