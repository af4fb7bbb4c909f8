// Flow validation: every class of problem is reported at its exact place,
// all at once, with "did you mean" help where a name is close.
#include "flow_test_util.hpp"

#include <chrono>

namespace flowrun::test {
namespace {

TEST(FlowValidation, UnknownKeysKindsAndParamsWithSuggestions) {
  const auto r = load_data("errors_keys.yaml");
  EXPECT_TRUE(r.has(2, 1, "unknown top-level key 'descripton'; did you mean 'description'?")) << r.all();
  EXPECT_TRUE(r.has(5, 11, "unknown stage kind 'demo.sorce'; did you mean 'demo.source'?")) << r.all();
  EXPECT_TRUE(r.has(8, 5, "unknown key 'inptus' in stage 'up'; did you mean 'inputs'?")) << r.all();
  EXPECT_TRUE(r.has(9, 25, "has no param 'prefx'; did you mean 'prefix'?")) << r.all();
  // The misspelled `inputs` leaves the required input unconnected.
  EXPECT_TRUE(r.has(6, 3, "stage 'up' (demo.transform) needs input 'text' (text)")) << r.all();
  EXPECT_TRUE(r.has(10, 3, "stage name 'bad.name' must start with a letter")) << r.all();
  EXPECT_EQ(r.diags.size(), 6u) << r.all();
  EXPECT_TRUE(r.flow.stages.empty());
}

TEST(FlowValidation, DiagnosticFormatAndOrder) {
  const auto r = load_data("errors_keys.yaml");
  ASSERT_FALSE(r.diags.empty());
  const std::string first = r.diags[0].str();
  EXPECT_EQ(first, flow_path("errors_keys.yaml").string() +
                       ":2:1: error: unknown top-level key 'descripton'; did you mean "
                       "'description'?");
  for (size_t i = 1; i < r.diags.size(); ++i)
    EXPECT_LE(r.diags[i - 1].loc.line, r.diags[i].loc.line) << r.all();
}

TEST(FlowValidation, ParamTypesRangesChoicesAndRequired) {
  const auto r = load_data("errors_types.yaml");
  EXPECT_TRUE(r.has(2, 3, "stage 't' (demo.typed) needs param 'label' (string)")) << r.all();
  EXPECT_TRUE(r.has(5, 13, "param 'flag' of stage 't' must be a bool (true or false), got string 'yes'")) << r.all();
  EXPECT_TRUE(r.has(6, 14, "param 'count' of stage 't' is 11, above the maximum 10")) << r.all();
  EXPECT_TRUE(r.has(7, 14, "param 'ratio' of stage 't' must be a float, got string 'abc'")) << r.all();
  EXPECT_TRUE(r.has(8, 13, "param 'mode' of stage 't' is 'd', not one of: a, b, c")) << r.all();
  EXPECT_EQ(r.at(8, 13)->message.find("did you mean"), std::string::npos) << r.all();
  EXPECT_TRUE(r.has(9, 17, "param 'ints' of stage 't' item 2 is 200, above the maximum 100")) << r.all();
  EXPECT_TRUE(r.has(9, 22, "param 'ints' of stage 't' item 3 must be an int, got string 'x'")) << r.all();
  EXPECT_TRUE(r.has(10, 15, "param 'floats' of stage 't' must be a float_list")) << r.all();
  EXPECT_TRUE(r.has(11, 19, "item 2 is 'bleu', not one of: red, green, blue; did you mean 'blue'?")) << r.all();
  EXPECT_TRUE(r.has(12, 13, "param 'data' of stage 't': 'missing.txt' does not exist")) << r.all();
  EXPECT_TRUE(r.has(15, 19, "param 'label' of stage 'u' must be a string, got int 5 (quote it: \"5\")")) << r.all();
  EXPECT_EQ(r.diags.size(), 11u) << r.all();
}

TEST(FlowValidation, InputReferencesTypesAndPorts) {
  const auto r = load_data("errors_inputs.yaml");
  EXPECT_TRUE(r.has(10, 13, "input 'text' of stage 'up' takes text, but output 'report' of stage 'typed' is report")) << r.all();
  EXPECT_TRUE(r.has(11, 14, "input 'extra' of stage 'up' takes one artifact; only `many` inputs take a list")) << r.all();
  EXPECT_TRUE(r.has(12, 7, "stage 'up' (demo.transform) has no input 'extar'; did you mean 'extra'?")) << r.all();
  EXPECT_TRUE(r.has(16, 15, "stage 'src' (demo.source) has no output 'txt'; did you mean 'text'?")) << r.all();
  EXPECT_TRUE(r.has(16, 24, "'srcc.text' is neither `stage.port` nor an existing file (no stage 'srcc'; did you mean 'src'?)")) << r.all();
  EXPECT_TRUE(r.has(16, 35, "'nothere.txt' is neither `stage.port` nor an existing file (looked for ")) << r.all();
  // A many input accepting text|report takes a report.
  EXPECT_EQ(r.at(16, 48), nullptr) << r.all();
  EXPECT_TRUE(r.has(20, 13, "`after` of stage 'tail' names unknown stage 'sr'; did you mean 'src'?")) << r.all();
  EXPECT_TRUE(r.has(21, 3, "stage 'lonely' (demo.transform) needs input 'text'")) << r.all();
  EXPECT_EQ(r.diags.size(), 8u) << r.all();
}

TEST(FlowValidation, CyclesArePrinted) {
  const auto r = load_data("errors_cycle.yaml");
  EXPECT_TRUE(r.has(2, 3, "cycle: a -> b -> c -> a")) << r.all();
  EXPECT_TRUE(r.has(11, 3, "cycle: d -> d")) << r.all();
  EXPECT_EQ(r.diags.size(), 2u) << r.all();
}

TEST(FlowValidation, UnknownVariables) {
  const auto r = load_data("errors_vars.yaml");
  EXPECT_TRUE(r.has(6, 19, "unknown variable '${line}'; did you mean 'lines'?")) << r.all();
  EXPECT_TRUE(r.has(6, 36, "unknown variable '${nope}'; define it under `vars:`")) << r.all();
  EXPECT_EQ(r.diags.size(), 2u) << r.all();
}

TEST(FlowValidation, DuplicateKeys) {
  const auto r = load_data("errors_duplicates.yaml");
  EXPECT_TRUE(r.has(4, 22, "duplicate key 'lines' (first at line 4)")) << r.all();
  EXPECT_TRUE(r.has(5, 3, "duplicate key 'src' (first at line 2)")) << r.all();
  EXPECT_EQ(r.diags.size(), 2u) << r.all();
}

TEST(FlowValidation, YamlSyntaxError) {
  const auto r = load_data("errors_syntax.yaml");
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_NE(r.diags[0].message.find("YAML syntax"), std::string::npos) << r.all();
  EXPECT_GT(r.diags[0].loc.line, 0);
}

TEST(FlowValidation, MissingFile) {
  const auto r = load_data("does_not_exist.yaml");
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_NE(r.diags[0].str().find("does_not_exist.yaml: error: cannot open the flow file"),
            std::string::npos)
      << r.all();
}

TEST(FlowValidation, OddInputsGiveMessagesNotCrashes) {
  auto r = load(flow_path("."));
  EXPECT_TRUE(r.has(0, 0, "is a folder, not a flow file")) << r.all();
  r = load(write_temp_flow("empty.yaml", ""));
  EXPECT_TRUE(r.has(1, 1, "a flow file must be a YAML map")) << r.all();
  r = load(write_temp_flow("odd.yaml",
                           "stages:\n"
                           "  t:\n"
                           "    uses: demo.typed\n"
                           "    with: {label: [a], ratio: 1e999, count: 99999999999999999999, flag:}\n"
                           "    inputs: {text: {a: b}}\n"
                           "    after: {x: y}\n"
                           "  ? [k]\n"
                           "  : {uses: demo.source}\n"));
  EXPECT_TRUE(r.has(4, 19, "param 'label' of stage 't' must be a string, got a list")) << r.all();
  EXPECT_TRUE(r.has(4, 31, "param 'ratio' of stage 't' must be a float, got string '1e999'")) << r.all();
  EXPECT_TRUE(r.has(4, 45, "param 'count' of stage 't' must be an int, got float 1e+20")) << r.all();
  EXPECT_TRUE(r.has(4, 67, "param 'flag' of stage 't' must be a bool (true or false), got nothing (null)")) << r.all();
  EXPECT_TRUE(r.has(5, 20, "input 'text' of stage 't' must be `stage.port` or a file path")) << r.all();
  EXPECT_TRUE(r.has(6, 12, "`after` of stage 't' must be a list of stage names")) << r.all();
  EXPECT_TRUE(r.has(7, 5, "stages: keys must be plain names")) << r.all();
}

TEST(FlowValidation, NotAMapAndNoStages) {
  auto r = load(write_temp_flow("list.yaml", "- a\n- b\n"));
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_TRUE(r.has(1, 1, "a flow file must be a YAML map")) << r.all();
  r = load(write_temp_flow("nostages.yaml", "name: x\n"));
  EXPECT_TRUE(r.has(1, 1, "the flow has no `stages:`")) << r.all();
  r = load(write_temp_flow("emptystages.yaml", "name: x\nstages: {}\n"));
  EXPECT_TRUE(r.has(2, 9, "`stages` must be a map")) << r.all();
}

TEST(FlowValidation, MatrixProblems) {
  const auto r = load_data("errors_matrix.yaml");
  EXPECT_TRUE(r.has(6, 7, "param 'lines' of stage 's' is given both in `with` and in `matrix`")) << r.all();
  EXPECT_TRUE(r.has(7, 13, "matrix entry 'text' of stage 's' must be a non-empty list")) << r.all();
  EXPECT_TRUE(r.has(8, 7, "stage 's' (demo.source) has no param 'txet' to sweep; did you mean 'text'?")) << r.all();
  EXPECT_TRUE(r.has(12, 25, "matrix entry 'count' of stage 't' repeats the value 1")) << r.all();
  EXPECT_TRUE(r.has(12, 28, "matrix value of param 'count' of stage 't' is 20, above the maximum 10")) << r.all();
  EXPECT_EQ(r.diags.size(), 5u) << r.all();
}

TEST(FlowValidation, OutputsThatWouldEscapeTheRunDirectory) {
  const auto r = load_data("errors_outputs.yaml");
  EXPECT_TRUE(r.has(3, 11, "declares output 'text' whose file '../escape.txt' contains '..'")) << r.all();
  EXPECT_TRUE(r.has(5, 11, "whose file '/tmp/flowrun-absolute.txt' is an absolute path")) << r.all();
  // Without a site cell library the default of flawed.site cannot be made.
  EXPECT_TRUE(r.has(6, 3, "stage 's' (flawed.site): default of param 'liberty' (\"${site.cell_library}\"): unknown variable '${site.cell_library}'; set 'cell_library' in the site configuration")) << r.all();
  EXPECT_EQ(r.diags.size(), 3u) << r.all();
}

TEST(FlowValidation, SiteDefaultsAreSubstitutedAndChecked) {
  const fs::path lib = flow_path("notes.txt");
  FlowOptions options;
  options.builtin_vars["site.cell_library"] = lib.string();
  auto r = load(write_temp_flow("site.yaml", "stages:\n  s: {uses: flawed.site}\n"), options);
  ASSERT_TRUE(r.diags.empty()) << r.all();
  EXPECT_EQ(r.stage("s").params["liberty"], lib.string());

  options.builtin_vars["site.cell_library"] = "/nonexistent/cells.lib";
  r = load(write_temp_flow("site.yaml", "stages:\n  s: {uses: flawed.site}\n"), options);
  EXPECT_TRUE(r.has(2, 3, "default of param 'liberty': '/nonexistent/cells.lib' does not exist")) << r.all();
}

TEST(FlowValidation, PluginPaths) {
  const std::string text =
      "vars: {dir: plugins}\n"
      "plugins:\n"
      "  - notes.txt\n"
      "  - ${dir}/libmissing.so\n"
      "stages:\n  s: {uses: demo.source}\n";
  const fs::path file = write_temp_flow("plugins.yaml", text);
  std::ofstream(file.parent_path() / "notes.txt") << "not really a library\n";
  std::vector<Diagnostic> diags;
  const auto paths = flow_plugin_paths(file, diags);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0], file.parent_path() / "notes.txt");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].loc.line, 4);
  EXPECT_EQ(diags[0].loc.col, 5);
  EXPECT_NE(diags[0].message.find("plugin library 'plugins/libmissing.so' does not exist"),
            std::string::npos)
      << diags[0].str();
}

}  // namespace
}  // namespace flowrun::test

namespace flowrun::test {
namespace {

TEST(FlowValidation, EmptyListForARequiredManyInput) {
  const auto r = load_data("errors_many.yaml");
  // demo.sleep's `any` input is optional: an empty list is fine there.
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_TRUE(r.has(4, 21, "input 'parts' of stage 'cat' needs at least one source")) << r.all();
}

}  // namespace
}  // namespace flowrun::test

namespace flowrun::test {
namespace {

// An alias bomb is refused on the parser's event stream, at the alias that
// crosses the limit, before any node is expanded: in milliseconds, not
// minutes.
TEST(FlowValidation, AliasBombIsRefusedWhereItExplodes) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = load_data("alias_bomb.yaml");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_NE(r.diags[0].message.find("more than 1000000 nodes once its aliases are expanded"),
            std::string::npos)
      << r.all();
  // Line 9 (the anchor f) is where 10^6 expanded nodes are first exceeded.
  EXPECT_EQ(r.diags[0].loc.line, 9) << r.all();
  EXPECT_LT(seconds, 10.0);  // a generous bound; the check itself is linear in the file
  EXPECT_TRUE(r.flow.stages.empty());
}

TEST(FlowValidation, NestingDepthIsBounded) {
  std::string deep = "name: deep\nvars:\n  v: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "\nstages:\n  src: {uses: demo.source}\n";
  const auto r = load(write_temp_flow("deep.yaml", deep));
  ASSERT_EQ(r.diags.size(), 1u) << r.all();
  EXPECT_NE(r.diags[0].message.find("nested deeper than 100 levels"), std::string::npos) << r.all();
  EXPECT_EQ(r.diags[0].loc.line, 3) << r.all();
}

// Aliases within the limits still work as YAML says.
TEST(FlowValidation, OrdinaryAliasesStillLoad) {
  const auto r = load(write_temp_flow("alias.yaml",
                                      "name: ok\nvars:\n  p: &p hello\n  q: *p\n"
                                      "stages:\n  src: {uses: demo.source}\n"));
  EXPECT_TRUE(r.diags.empty()) << r.all();
}

}  // namespace
}  // namespace flowrun::test
