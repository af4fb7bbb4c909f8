// eda helpers for SRAM macros and sharded simulation: merging the shards'
// result lines, the shard count, model and macro-library folders, the
// Yosys and OpenSTA scripts with macros, cell statistics with macro cells,
// and the judgement and summary.json of a sharded run.
#include "sim_support.hpp"
#include "sta_support.hpp"
#include "synth_support.hpp"
#include "tool_util.hpp"

#include <flowrun/context.hpp>
#include <flowrun/stage.hpp>
#include <flowrun_sram/sram.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <map>

using namespace flowrun;
using namespace flowrun::eda;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("flowrun_eda_macros_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const StageError& e) {
    return e.what();
  }
  return "<no error>";
}

// Just enough of a Context for judge_simulation: metrics and log lines.
class RecordingContext final : public Context {
 public:
  explicit RecordingContext(fs::path work) : work_(std::move(work)) {}
  const json& params() const override { return params_; }
  bool has_input(const std::string&) const override { return false; }
  fs::path input(const std::string& port) const override { throw StageError("no input " + port); }
  std::vector<fs::path> inputs(const std::string&) const override { return {}; }
  std::vector<std::string> input_sources(const std::string&) const override { return {}; }
  std::vector<json> input_source_params(const std::string&) const override { return {}; }
  std::string input_sha256(const std::string& port) const override { throw StageError("no input " + port); }
  std::string sha256(const fs::path&) const override { throw StageError("no hashing here"); }
  fs::path output(const std::string& port) const override { return work_ / port; }
  fs::path output_dir() const override { return work_; }
  fs::path work_dir() const override { return work_; }
  void log(LogLevel, std::string_view m) override { log_ += std::string(m) + "\n"; }
  void progress(double, std::string_view) override {}
  void metric(const std::string& name, const json& value) override { metrics[name] = value; }
  bool cancelled() const override { return false; }
  ToolResult run_tool(const ToolCall&) override { throw StageError("no tools here"); }
  json site(const std::string&) const override { return nullptr; }
  int threads() const override { return 2; }

  std::map<std::string, json> metrics;
  std::string log_;

 private:
  fs::path work_;
  json params_ = json::object();
};

ToolResult printed(const std::string& line, int exit_code = 0) {
  ToolResult r;
  r.exit_code = exit_code;
  r.seconds = 1.25;
  r.output = "some output\n" + line + "\n";
  return r;
}

}  // namespace

TEST(Shards, MergeSumsCountsAndCombinesStatus) {
  const json a = json::parse(R"({"status":"PASS","vectors":14,"mismatches":0,"cycles":91,"max_error":3,
                                 "min_slack":5,"accuracy_hint":0.5,"name":"tb","class_mismatches":1})");
  const json b = json::parse(R"({"status":"PASS","vectors":13,"mismatches":2,"cycles":102,"max_error":7,
                                 "min_slack":2,"accuracy_hint":0.25,"name":"other","class_mismatches":0})");
  const json c = json::parse(R"({"status":"FAIL","vectors":13,"mismatches":1,"cycles":115,"max_error":1,
                                 "min_slack":9,"extra":4,"class_mismatches":2})");
  json m = merge_shard_results({a, b, c});
  EXPECT_EQ(m["status"], "FAIL");
  EXPECT_EQ(m["vectors"], 40);
  EXPECT_TRUE(m["vectors"].is_number_integer());
  EXPECT_EQ(m["mismatches"], 3);
  EXPECT_EQ(m["class_mismatches"], 3);
  EXPECT_EQ(m["cycles"], 308);
  EXPECT_EQ(m["max_error"], 7);
  EXPECT_EQ(m["min_slack"], 2);
  // Not counts: a ratio, a name and a field only one shard printed are not
  // summed; shards that disagree leave them out.
  EXPECT_FALSE(m.contains("accuracy_hint")) << m.dump();
  EXPECT_FALSE(m.contains("name")) << m.dump();
  EXPECT_FALSE(m.contains("extra")) << m.dump();
  // One shard: the line as it was; all PASS stays PASS.
  EXPECT_EQ(merge_shard_results({a}), a);
  EXPECT_EQ(merge_shard_results({a, a})["status"], "PASS");
  EXPECT_EQ(merge_shard_results({a, a})["vectors"], 28);
  EXPECT_DOUBLE_EQ(merge_shard_results({a, a})["accuracy_hint"].get<double>(), 0.5);  // agreeing shards keep it
}

// The CNN testbench's line: a per-image latency, the shard index and the
// expected latency must not be summed over shards (2 x 78165 cycles per
// image would be wrong); counts are, and the testbench's own "merge"
// declarations (correct: sum, cycles_per_image: max) are honoured.
TEST(Shards, MergeKeepsNonCountsAndHonoursDeclaredRules) {
  const json s0 = json::parse(R"({"status":"PASS","vectors":5000,"mismatches":0,"logit_mismatches":0,
      "correct":4570,"cycles_per_image":78165,"min_cycles_per_image":78165,"expected_cycles_per_image":78165,
      "cycles":390825000,"shard":0,"shards":2})");
  const json s1 = json::parse(R"({"status":"PASS","vectors":5000,"mismatches":0,"logit_mismatches":0,
      "correct":4572,"cycles_per_image":78170,"min_cycles_per_image":78160,"expected_cycles_per_image":78165,
      "cycles":390826000,"shard":1,"shards":2})");
  const json plain = merge_shard_results({s0, s1});
  EXPECT_EQ(plain["vectors"], 10000);
  EXPECT_EQ(plain["cycles"], 781651000);
  EXPECT_EQ(plain["expected_cycles_per_image"], 78165);
  EXPECT_EQ(plain["shards"], 2);
  EXPECT_EQ(plain["min_cycles_per_image"], 78160);
  EXPECT_FALSE(plain.contains("shard"));
  EXPECT_FALSE(plain.contains("cycles_per_image"));  // differs and no rule: left out, never 156335
  EXPECT_FALSE(plain.contains("correct"));
  const std::map<std::string, MergeRule> declared = {{"correct", MergeRule::Sum},
                                                     {"cycles_per_image", MergeRule::Max}};
  const json m = merge_shard_results({s0, s1}, declared);
  EXPECT_EQ(m["correct"], 9142);
  EXPECT_EQ(m["cycles_per_image"], 78170);
  EXPECT_EQ(merge_rule("cycles_per_image", {}), MergeRule::Same);
  EXPECT_EQ(merge_rule("latency_mismatches", {}), MergeRule::Sum);
  EXPECT_EQ(merge_rule("max_cycles", {}), MergeRule::Max);
}

TEST(Shards, CountAndPlusargs) {
  Testbench tb;
  EXPECT_EQ(shard_count(tb, 4, 2), 1);  // not shardable: one process whatever is asked
  tb.shardable = true;
  EXPECT_EQ(shard_count(tb, 4, 2), 4);
  EXPECT_EQ(shard_count(tb, 0, 2), 2);  // 0: the stage's threads
  EXPECT_EQ(shard_count(tb, 0, 0), 1);
  EXPECT_EQ(shard_count(tb, 1, 8), 1);
  EXPECT_EQ(shard_plusargs(2, 5), (std::vector<std::string>{"+flowrun_shard=2", "+flowrun_shards=5"}));
}

TEST(Shards, TestbenchDeclaresShardable) {
  fs::path d = temp_dir("tbjson");
  std::ofstream(d / "tb.v") << "module tb; endmodule\n";
  std::ofstream(d / "testbench.json") << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"]})";
  EXPECT_FALSE(read_testbench(d).shardable);
  std::ofstream(d / "testbench.json") << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"],"shardable":true})";
  EXPECT_TRUE(read_testbench(d).shardable);
  std::ofstream(d / "testbench.json") << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"],"shardable":"yes"})";
  const std::string e = error_of([&] { read_testbench(d); });
  EXPECT_NE(e.find("testbench.json"), std::string::npos) << e;
  EXPECT_NE(e.find("\"shardable\""), std::string::npos) << e;
  std::ofstream(d / "testbench.json")
      << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"],"merge":{"correct":"sum","lat":"max"}})";
  const Testbench declared = read_testbench(d);
  EXPECT_EQ(declared.merge.at("correct"), MergeRule::Sum);
  EXPECT_EQ(declared.merge.at("lat"), MergeRule::Max);
  std::ofstream(d / "testbench.json")
      << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"],"merge":{"correct":"add"}})";
  const std::string m = error_of([&] { read_testbench(d); });
  EXPECT_NE(m.find("merge.correct"), std::string::npos) << m;
  EXPECT_NE(m.find("\"sum\""), std::string::npos) << m;
  fs::remove_all(d);
}

TEST(Shards, JudgementNamesTheFailingShardAndSummaryHasNoTimesOrPaths) {
  fs::path d = temp_dir("judge");
  Testbench tb;
  tb.dir = d / "tb";
  tb.top = "tb_x";
  tb.shardable = true;
  SimRun run{"verilator", &tb, {d / "rtl" / "top.v"}, {d / "m" / "rom_a.v"}, {}, {}, 60};
  run.run.seconds = 3.5;
  run.run.results = {printed(R"(FLOWRUN_RESULT {"status":"PASS","vectors":20,"mismatches":0})"),
                     printed(R"(FLOWRUN_RESULT {"status":"PASS","vectors":20,"mismatches":0})")};
  RecordingContext ctx(d);
  judge_simulation(ctx, run, d / "summary.json");
  EXPECT_EQ(ctx.metrics["vectors"], 40);
  EXPECT_EQ(ctx.metrics["mismatches"], 0);
  EXPECT_EQ(ctx.metrics["shards"], 2);
  EXPECT_DOUBLE_EQ(ctx.metrics["sim_seconds"].get<double>(), 3.5);
  const std::string summary = read_text(d / "summary.json");
  EXPECT_EQ(summary.find(d.string()), std::string::npos) << summary;  // no absolute paths
  EXPECT_EQ(summary.find("seconds"), std::string::npos) << summary;   // no times
  const json js = json::parse(summary);
  EXPECT_EQ(js["design"], json::array({"top.v"}));
  EXPECT_EQ(js["models"], json::array({"rom_a.v"}));
  EXPECT_EQ(js["shards"], 2);
  EXPECT_EQ(js["shard_results"].size(), 2u);
  EXPECT_EQ(js["result"]["vectors"], 40);
  EXPECT_NE(ctx.log_.find(d.string()), std::string::npos);  // the paths went to the log
  // The same run again gives the same bytes.
  judge_simulation(ctx, run, d / "summary2.json");
  EXPECT_EQ(read_text(d / "summary2.json"), summary);

  // One shard mismatching fails the stage and names it.
  run.run.results[1] = printed(R"(FLOWRUN_RESULT {"status":"FAIL","vectors":20,"mismatches":1})");
  std::string e = error_of([&] { judge_simulation(ctx, run, d / "summary.json"); });
  EXPECT_NE(e.find("shard 1 of 2"), std::string::npos) << e;
  EXPECT_NE(e.find("status FAIL"), std::string::npos) << e;
  EXPECT_EQ(ctx.metrics["mismatches"], 1);
  // A shard that did not finish, or exited non-zero.
  run.run.results[1] = printed("no result");
  e = error_of([&] { judge_simulation(ctx, run, d / "summary.json"); });
  EXPECT_NE(e.find("shard 1 of 2"), std::string::npos) << e;
  EXPECT_NE(e.find("did not finish"), std::string::npos) << e;
  run.run.results[0] = printed(R"(FLOWRUN_RESULT {"status":"PASS","vectors":20,"mismatches":0})", 3);
  run.run.results[1] = printed(R"(FLOWRUN_RESULT {"status":"PASS","vectors":20,"mismatches":0})");
  e = error_of([&] { judge_simulation(ctx, run, d / "summary.json"); });
  EXPECT_NE(e.find("shard 0 of 2"), std::string::npos) << e;
  EXPECT_NE(e.find("exited with code 3"), std::string::npos) << e;
  fs::remove_all(d);
}

TEST(Macros, ModelAndLibertyFolders) {
  fs::path d = temp_dir("folders");
  std::ofstream(d / "b.v") << "module b; endmodule\n";
  std::ofstream(d / "a.v") << "module a; endmodule\n";
  std::ofstream(d / "m.lib") << "library (m) { }\n";
  std::ofstream(d / "notes.txt") << "x\n";
  EXPECT_EQ(model_sources(d), (std::vector<fs::path>{d / "a.v", d / "b.v"}));
  EXPECT_EQ(model_sources(d / "b.v"), (std::vector<fs::path>{d / "b.v"}));
  EXPECT_EQ(macro_liberty_files(d), (std::vector<fs::path>{d / "m.lib"}));
  EXPECT_EQ(macro_liberty_files(d / "m.lib"), (std::vector<fs::path>{d / "m.lib"}));
  fs::create_directories(d / "empty");
  EXPECT_NE(error_of([&] { model_sources(d / "empty"); }).find("expected .v simulation models"), std::string::npos);
  EXPECT_NE(error_of([&] { macro_liberty_files(d / "empty"); }).find("expected Liberty (.lib) files"),
            std::string::npos);
  EXPECT_NE(error_of([&] { model_sources(d / "nope"); }).find("does not exist"), std::string::npos);
  fs::remove_all(d);
}

TEST(Macros, ScriptsReadTheMacroLibraries) {
  SynthScript s;
  s.sources = {"/r/a.v"};
  s.top = "dec";
  s.liberty = "/c/cells.lib";
  s.macro_liberty = {"/m/rams.lib", "/m/roms.lib"};
  s.map_liberty = "/c/cells.lib";
  s.netlist_v = "/o/netlist.v";
  s.netlist_json = "/w/netlist.json";
  s.stat_txt = "stat.txt";
  const std::string y = synth_yosys_script(s);
  const auto rams = y.find("read_liberty -lib \"/m/rams.lib\""), design = y.find("read_verilog -nooverwrite \"/r/a.v\"");
  ASSERT_NE(rams, std::string::npos) << y;
  ASSERT_NE(design, std::string::npos) << y;
  EXPECT_LT(rams, design);  // black boxes before the design
  EXPECT_NE(y.find("stat -liberty \"/c/cells.lib\" -liberty \"/m/rams.lib\" -liberty \"/m/roms.lib\""),
            std::string::npos) << y;
  // Dfflibmap and ABC never see the macros.
  EXPECT_EQ(y.find("abc -liberty \"/m/"), std::string::npos);
  s.macro_liberty.clear();
  EXPECT_EQ(synth_yosys_script(s).find("-nooverwrite"), std::string::npos);

  StaSetup t;
  t.liberty = "/c/cells.lib";
  t.macro_liberty = {"/m/rams.lib"};
  t.netlist = "/n/netlist.v";
  t.sdc = "/o/c.sdc";
  t.top = "dec";
  const std::string tcl = sta_tcl(t);
  EXPECT_NE(tcl.find("read_liberty {/c/cells.lib}\nread_liberty {/m/rams.lib}\nread_verilog"), std::string::npos)
      << tcl;
}

TEST(Macros, CellStatsCountMacrosApart) {
  liberty::Library lib = liberty::read_liberty(FLOWRUN_CELLS_LIB);
  using flowrun::sram::Macro;
  const Macro rom{"wrom", 1024, 8, "", ""}, ram{"aram", 64, 16, "", ""};
  const auto tech = flowrun::sram::default_tech();
  std::vector<liberty::Library> macros = {
      liberty::parse_liberty(flowrun::sram::liberty("m", {rom, ram}, tech), "m.lib")};
  json j = json::parse(R"({"modules":{"top":{"attributes":{"top":"1"},"cells":{
      "a":{"type":"NAND2"},"d":{"type":"DFFR"},"r0":{"type":"wrom"},"r1":{"type":"wrom"},"x":{"type":"aram"}}}}})");
  CellStats st = netlist_cell_stats(j, lib, "n.json", macros);
  EXPECT_EQ(st.cells, 2);
  EXPECT_EQ(st.macros, 3);
  EXPECT_EQ(st.per_macro["wrom"], 2);
  EXPECT_NEAR(st.area, 0.798 + 3.99, 1e-9);
  EXPECT_NEAR(st.macro_area, 2 * flowrun::sram::cost(rom, tech).area_um2 + flowrun::sram::cost(ram, tech).area_um2,
              1e-3);
  EXPECT_TRUE(st.transistors_known);  // macros have no transistor count; it covers the logic
  EXPECT_EQ(st.transistors, 4 + 28);
  // Without the macro library the macros are foreign cells.
  const std::string e = error_of([&] { netlist_cell_stats(j, lib, "n.json"); });
  EXPECT_NE(e.find("wrom"), std::string::npos) << e;
  j["modules"]["top"]["cells"]["y"] = {{"type", "other_ram"}};
  const std::string e2 = error_of([&] { netlist_cell_stats(j, lib, "n.json", macros); });
  EXPECT_NE(e2.find("other_ram"), std::string::npos) << e2;
  EXPECT_NE(e2.find("m.lib"), std::string::npos) << e2;
}
