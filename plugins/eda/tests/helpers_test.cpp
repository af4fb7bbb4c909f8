// eda helpers: testbench contract, result line, Yosys stat from JSON,
// STA report parsing, Verilog module scan, equivalence pairing.
#include "equiv_support.hpp"
#include "sim_support.hpp"
#include "sta_support.hpp"
#include "synth_support.hpp"
#include "tool_util.hpp"
#include "verilog_scan.hpp"

#include <algorithm>
#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

#include <fstream>

using namespace flowrun;
using namespace flowrun::eda;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("flowrun_eda_test_" + name + "_" + std::to_string(::getpid()));
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

}  // namespace

TEST(SimResult, ParsesTheResultLine) {
  json r = parse_sim_result("VCD info: dumpfile\nFLOWRUN_RESULT {\"status\":\"PASS\",\"vectors\":65536,"
                            "\"mismatches\":0,\"max_error\":3}\n");
  EXPECT_EQ(r["vectors"], 65536);
  EXPECT_EQ(r["max_error"], 3);
  EXPECT_EQ(sim_failure(r), "");
}

TEST(SimResult, MissingOrBadLineFails) {
  EXPECT_NE(error_of([] { parse_sim_result("some output\n"); }).find("did not finish"), std::string::npos);
  EXPECT_NE(error_of([] { parse_sim_result("FLOWRUN_RESULT {status:PASS}\n"); }).find("expected a JSON object"),
            std::string::npos);
  // Only a line that starts with the tag counts.
  EXPECT_NE(error_of([] { parse_sim_result("echo FLOWRUN_RESULT {}\n"); }).find("did not finish"), std::string::npos);
}

TEST(SimResult, Judgement) {
  EXPECT_NE(sim_failure(json::parse(R"({"status":"FAIL","vectors":4,"mismatches":1})")).find("status FAIL"),
            std::string::npos);
  EXPECT_NE(sim_failure(json::parse(R"({"status":"PASS","vectors":4,"mismatches":2})")).find("2 mismatches"),
            std::string::npos);
  EXPECT_NE(sim_failure(json::parse(R"({"status":"PASS","mismatches":0})")).find("vectors"), std::string::npos);
}

TEST(Testbench, ReadsTheContract) {
  fs::path d = temp_dir("tb");
  std::ofstream(d / "tb.v") << "module tb; endmodule\n";
  std::ofstream(d / "testbench.json") << R"({"format":"flowrun.testbench/1","top":"tb","sources":["tb.v"],"timeout_s":30})";
  Testbench tb = read_testbench(d);
  EXPECT_EQ(tb.top, "tb");
  EXPECT_EQ(tb.timeout_s, 30);
  ASSERT_EQ(tb.sources.size(), 1u);
  auto args = iverilog_args(tb, {"/x/design.v"}, "/x/cells.v", "/w/sim.vvp");
  std::vector<std::string> want = {"-g2005", "-s", "tb", "-DFLOWRUN_TBDIR=\"" + fs::absolute(d).string() + "/\"",
                                   "-o", "/w/sim.vvp", (fs::absolute(d) / "tb.v").string(), "/x/design.v",
                                   "/x/cells.v"};
  EXPECT_EQ(args, want);

  // Verilator gets the same sources in the same order, the same macro, the
  // top module and a build folder; RTL simulation adds no cell models.
  auto vargs = verilator_args(tb, {"/x/design.v"}, "", "/w/obj", VerilatorBuild{2, false, false});
  auto at = [&](const std::string& flag) { return std::find(vargs.begin(), vargs.end(), flag); };
  ASSERT_NE(at("--binary"), vargs.end());
  ASSERT_NE(at("--timing"), vargs.end());
  ASSERT_NE(at("--top-module"), vargs.end());
  EXPECT_EQ(*(at("--top-module") + 1), "tb");
  EXPECT_EQ(*(at("--Mdir") + 1), "/w/obj");
  EXPECT_EQ(*(at("-j") + 1), "2");
  EXPECT_NE(at("-DFLOWRUN_TBDIR=\"" + fs::absolute(d).string() + "/\""), vargs.end());
  std::vector<std::string> tail(vargs.end() - 2, vargs.end());
  EXPECT_EQ(tail, (std::vector<std::string>{(fs::absolute(d) / "tb.v").string(), "/x/design.v"}));
  EXPECT_EQ(at("/x/cells.v"), vargs.end());
  EXPECT_EQ(at("--trace"), vargs.end());
  // Quick builds: one -O0 translation unit; optimize keeps Verilator's
  // parallel build with the model and runtime at -O2 (not its default -Os).
  ASSERT_NE(at("-MAKEFLAGS"), vargs.end());
  EXPECT_EQ(*(at("-MAKEFLAGS") + 1), "VM_PARALLEL_BUILDS=0 OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0");
  auto optimized = verilator_args(tb, {"/x/design.v"}, "", "/w/obj", VerilatorBuild{2, false, true});
  auto opt_flags = std::find(optimized.begin(), optimized.end(), "-MAKEFLAGS");
  ASSERT_NE(opt_flags, optimized.end());
  EXPECT_EQ(*(opt_flags + 1), "OPT_FAST=-O2 OPT_GLOBAL=-O2");
  auto traced = verilator_args(tb, {"/x/design.v"}, "/x/cells.v", "/w/obj", VerilatorBuild{2, true, false});
  EXPECT_NE(std::find(traced.begin(), traced.end(), "--trace"), traced.end());
  EXPECT_EQ(traced.back(), "/x/cells.v");

  std::ofstream(d / "testbench.json") << R"({"format":"other","top":"tb","sources":["tb.v"]})";
  EXPECT_NE(error_of([&] { read_testbench(d); }).find("flowrun.testbench/1"), std::string::npos);
  std::ofstream(d / "testbench.json") << R"({"format":"flowrun.testbench/1","top":"tb","sources":["missing.v"]})";
  EXPECT_NE(error_of([&] { read_testbench(d); }).find("sources[0]: 'missing.v' does not exist"), std::string::npos);
  std::ofstream(d / "testbench.json") << "{not json";
  EXPECT_NE(error_of([&] { read_testbench(d); }).find("testbench.json: expected JSON"), std::string::npos);
  fs::remove(d / "testbench.json");
  EXPECT_NE(error_of([&] { read_testbench(d); }).find("missing"), std::string::npos);
  fs::remove_all(d);
}

TEST(SynthScript, HasTheDocumentedSteps) {
  SynthScript s;
  s.sources = {"/r/a.v"};
  s.top = "dec";
  s.liberty = "/c/cells.lib";
  s.map_liberty = "/w/map.lib";
  s.netlist_v = "/o/netlist.v";
  s.netlist_json = "/w/netlist.json";
  s.stat_txt = "stat.txt";
  std::string y = synth_yosys_script(s);
  for (const char* step : {"read_liberty -lib \"/c/cells.lib\"", "read_verilog \"/r/a.v\"", "synth -flatten -top dec",
                           "dfflibmap -liberty \"/w/map.lib\"", "abc -liberty \"/w/map.lib\"",
                           "tee -o stat.txt stat -liberty \"/c/cells.lib\"", "write_verilog -noattr -noexpr -simple-lhs \"/o/netlist.v\""})
    EXPECT_NE(y.find(step), std::string::npos) << step << "\n" << y;
  s.top.clear();
  EXPECT_NE(synth_yosys_script(s).find("-auto-top"), std::string::npos);
}

TEST(SynthStats, CountsPricesAndRejectsForeignCells) {
  liberty::Library lib = liberty::read_liberty(FLOWRUN_CELLS_LIB);
  json j = json::parse(R"({"modules":{
    "INV":{"attributes":{"blackbox":"1"},"cells":{}},
    "top":{"attributes":{"top":"1"},"cells":{
      "a":{"type":"NAND2"},"b":{"type":"NAND2"},"c":{"type":"INV"},"d":{"type":"DFFR"}}}}})");
  CellStats st = netlist_cell_stats(j, lib, "n.json");
  EXPECT_EQ(st.top, "top");
  EXPECT_EQ(st.cells, 4);
  EXPECT_EQ(st.sequential, 1);
  EXPECT_EQ(st.per_type["NAND2"], 2);
  EXPECT_EQ(st.transistors, 4 + 4 + 2 + 28);
  EXPECT_NEAR(st.area, 0.798 * 2 + 0.532 + 3.99, 1e-9);
  j["modules"]["top"]["cells"]["e"] = {{"type", "$_DLATCH_P_"}};
  EXPECT_NE(error_of([&] { netlist_cell_stats(j, lib, "n.json"); }).find("not in"), std::string::npos);
  EXPECT_EQ(cell_metric("NAND2"), "cells_NAND2");
}

TEST(SynthStats, GateRestriction) {
  liberty::Library lib = liberty::read_liberty(FLOWRUN_CELLS_LIB);
  auto drop = cells_to_drop(lib, {"AND2", "NAND2", "OR2", "XOR2", "XNOR2", "INV"});
  EXPECT_EQ(drop, (std::vector<std::string>{"BUF", "NOR2"}));
  EXPECT_NE(error_of([&] { cells_to_drop(lib, {"NAND3"}); }).find("'NAND3' is not a cell"), std::string::npos);
  EXPECT_NE(error_of([&] { cells_to_drop(lib, {"DFFR"}); }).find("sequential"), std::string::npos);
}

TEST(Sta, ConstraintsForClockedAndCombinationalDesigns) {
  StaSetup s;
  s.top = "dec";
  s.clock_port = "clk";
  s.period_ns = 5;
  std::string sdc = sta_sdc(s);
  EXPECT_NE(sdc.find("create_clock -name clk -period 5 [get_ports {clk}]"), std::string::npos) << sdc;
  EXPECT_NE(sdc.find("delete_from_list [all_inputs] [get_ports {clk}]"), std::string::npos);
  s.clock_port.clear();
  sdc = sta_sdc(s);
  EXPECT_NE(sdc.find("create_clock -name clk -period 5\n"), std::string::npos) << sdc;
  EXPECT_NE(sdc.find("set_input_delay 0 -clock clk [all_inputs]"), std::string::npos);
  std::string tcl = sta_tcl(s);
  for (const char* step : {"read_liberty", "read_verilog", "link_design {dec}", "read_sdc", "report_checks -path_delay max",
                           "report_power"})
    EXPECT_NE(tcl.find(step), std::string::npos) << step;
}

TEST(Sta, ParsesSlackAndPower) {
  const char* out =
      "FLOWRUN_WORST_SLACK 9.163522\nFLOWRUN_TNS 0.000000\n"
      "Group                    Internal    Switching      Leakage        Total\n"
      "Combinational        5.137403e-05 1.158052e-05 6.589988e-06 6.954453e-05 100.0%\n"
      "------------------------------------------------------------------------\n"
      "Total                5.137403e-05 1.158052e-05 6.589988e-06 6.954453e-05 100.0%\n";
  StaResult r = parse_sta_output(out);
  EXPECT_DOUBLE_EQ(r.worst_slack_ns, 9.163522);
  ASSERT_TRUE(r.total_w.has_value());
  EXPECT_DOUBLE_EQ(*r.total_w, 6.954453e-05);
  EXPECT_DOUBLE_EQ(*r.leakage_w, 6.589988e-06);
  EXPECT_NE(error_of([] { parse_sta_output("FLOWRUN_WORST_SLACK INF\n"); }).find("no timing path"), std::string::npos);
  EXPECT_NE(error_of([] { parse_sta_output("nothing\n"); }).find("no worst slack"), std::string::npos);
}

TEST(VerilogScan, FindsTopAndPorts) {
  auto mods = scan_verilog_modules(
      "/* Generated by Yosys */\nmodule cnt(clk, q);\n  input clk;\n  wire clk;\n  output [3:0] q;\n"
      "  wire _0_;\n  INV _1_ (\n    .A(q[0]),\n    .Y(_0_)\n  );\n  sub u (.a(clk));\nendmodule\n"
      "module sub(a);\n input a;\nendmodule\n");
  ASSERT_EQ(mods.size(), 2u);
  EXPECT_TRUE(mods[0].inputs.count("clk"));
  EXPECT_TRUE(mods[0].outputs.count("q"));
  EXPECT_TRUE(mods[0].instantiates.count("INV"));
  EXPECT_TRUE(mods[0].instantiates.count("sub"));
  EXPECT_EQ(pick_top(mods, "", "n.v").name, "cnt");
  EXPECT_EQ(pick_top(mods, "sub", "n.v").name, "sub");
  EXPECT_NE(error_of([&] { pick_top(mods, "nope", "n.v"); }).find("no module named 'nope'"), std::string::npos);
}

TEST(Equiv, PairsFlopsByNameAndWritesBlif) {
  // gold: q <= a & b (async reset active low), y = q.  gate: the same, with
  // the register output net also called y (an alias), as Yosys writes it.
  json gold = json::parse(R"({"modules":{"m":{"attributes":{"top":"1"},
    "ports":{"clk":{"direction":"input","bits":[2]},"rst_n":{"direction":"input","bits":[3]},
             "a":{"direction":"input","bits":[4]},"b":{"direction":"input","bits":[5]},
             "y":{"direction":"output","bits":[6]}},
    "cells":{"and":{"type":"$_AND_","connections":{"A":[4],"B":[5],"Y":[7]}},
             "ff":{"type":"$_DFF_PN0_","connections":{"C":[2],"R":[3],"D":[7],"Q":[6]}}},
    "netnames":{"q":{"hide_name":0,"bits":[6]},"y":{"hide_name":0,"bits":[6]}}}}})");
  json gate = json::parse(R"({"modules":{"m":{"attributes":{"top":"1"},
    "ports":{"clk":{"direction":"input","bits":[2]},"rst_n":{"direction":"input","bits":[3]},
             "a":{"direction":"input","bits":[4]},"b":{"direction":"input","bits":[5]},
             "y":{"direction":"output","bits":[9]}},
    "cells":{"n1":{"type":"$_NOT_","connections":{"A":[4],"Y":[10]}},
             "n2":{"type":"$_NOT_","connections":{"A":[10],"Y":[11]}},
             "and":{"type":"$_AND_","connections":{"A":[11],"B":[5],"Y":[12]}},
             "ff":{"type":"$_DFF_PN0_","connections":{"C":[2],"R":[3],"D":[12],"Q":[9]}}},
    "netnames":{"q":{"hide_name":0,"bits":[9]},"_5_.Q":{"hide_name":0,"bits":[9]}}}}})");
  AigDesign g = read_aig_json(gold, "gold.json");
  AigDesign n = read_aig_json(gate, "gate.json");
  ASSERT_EQ(g.flops.size(), 1u);
  EXPECT_TRUE(g.flops[0].has_reset);
  EXPECT_FALSE(g.flops[0].reset_active_high);
  EXPECT_EQ(g.flops[0].names, (std::vector<std::string>{"q", "y"}));
  CutPair cp = cut_and_pair(g, n);
  EXPECT_EQ(cp.matched_flops, 1);
  // outputs: y, next state of q, reset condition of q
  EXPECT_EQ(cp.output_names.size(), 3u);
  EXPECT_NE(cp.gold_blif.find(".model gold"), std::string::npos);
  EXPECT_NE(cp.gate_blif.find(".inputs pi0 pi1 pi2 pi3 pi4"), std::string::npos) << cp.gate_blif;

  // A register the netlist lost is named in the error.
  gate["modules"]["m"]["netnames"].erase("q");
  AigDesign n2 = read_aig_json(gate, "gate.json");
  EXPECT_NE(error_of([&] { cut_and_pair(g, n2); }).find("no netlist flip-flop of the same name: q"),
            std::string::npos);
  // Unsupported cells are named.
  gold["modules"]["m"]["cells"]["l"] = {{"type", "$_DLATCH_P_"}, {"connections", json::object()}};
  EXPECT_NE(error_of([&] { read_aig_json(gold, "gold.json"); }).find("$_DLATCH_P_"), std::string::npos);
}

TEST(Equiv, ReadsAbcVerdicts) {
  CecVerdict ok = parse_cec_output("Networks are equivalent.  Time =     0.01 sec\n", {"output y"});
  EXPECT_TRUE(ok.decided);
  EXPECT_TRUE(ok.equivalent);
  EXPECT_EQ(ok.detail, "Networks are equivalent.");  // no wall time: equiv.rpt is reproducible
  CecVerdict bad = parse_cec_output("Networks are NOT EQUIVALENT. Output po1 ...\nInput pattern:  pi1=1\n",
                                    {"output y", "next state of q"}, {"input a", "state of q"});
  EXPECT_TRUE(bad.decided);
  EXPECT_FALSE(bad.equivalent);
  EXPECT_NE(bad.detail.find("'next state of q'"), std::string::npos) << bad.detail;
  EXPECT_NE(bad.detail.find("'state of q'=1"), std::string::npos) << bad.detail;
  EXPECT_FALSE(parse_cec_output("Error: cannot read\n", {}).decided);
}
