// verify.equiv: formal equivalence of RTL and a gate-level netlist, with
// Yosys (to bring both to AIGs) and ABC (combinational equivalence of the
// logic between flip-flops paired by name). See equiv_support.hpp.
#include "equiv_support.hpp"
#include "tool_util.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::eda {
namespace {

json read_json_file(const fs::path& f) {
  try {
    return json::parse(read_text(f));
  } catch (const json::parse_error& e) {
    throw StageError(f.string() + ": Yosys wrote invalid JSON: " + e.what());
  }
}

class VerifyEquiv final : public Stage {
 public:
  VerifyEquiv() {
    spec_.kind = "verify.equiv";
    spec_.version = "3";  // 3: no wall times in equiv.rpt; 2: no opt passes on the netlist side
    spec_.summary = "Prove a gate-level netlist equivalent to its RTL (Yosys + ABC cec, registers paired by name)";
    spec_.doc =
        "Yosys flattens each side (the netlist together with the cell models)\n"
        "to an and-inverter graph with single-bit flip-flops. Flip-flops are\n"
        "paired by the names of their output nets (synthesis keeps register\n"
        "names such as acc[3]) and cut: paired outputs become shared inputs,\n"
        "next-state and asynchronous-reset functions become outputs. ABC's cec\n"
        "then proves the two combinational circuits equal (SAT sweeping, fast\n"
        "on multipliers). Metric proven = 1; a difference fails the stage with\n"
        "'not equivalent' and ABC's counterexample, naming the output or the\n"
        "register whose next state differs. Ports must match by name and width.";
    spec_.inputs = {
        {"rtl", "verilog", "the reference RTL (.v file or folder)", "", false, false},
        {"netlist", "netlist", "the gate-level netlist (.v file or folder)", "", false, false},
    };
    spec_.outputs = {{"report", "report", "equiv.rpt: method, pairing and ABC's verdict", "equiv.rpt"}};
    spec_.params = {
        {"top", ParamType::String, "top module; empty: Yosys picks the RTL's top", "", {}, {}, {}},
        {"cell_models", ParamType::Path, "Verilog models of the netlist's cells", "${site.cell_verilog}", {}, {}, {}},
        {"timeout", ParamType::Int, "time limit of each tool run, seconds", 600, 1.0, 86400.0, {}},
    };
    spec_.key_metrics = {"proven"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const fs::path models = ctx.param<std::string>("cell_models");
    std::error_code ec;
    if (models.empty() || !fs::is_regular_file(models, ec))
      throw StageError("cell_models: " + models.string() + " does not exist");
    const auto timeout = std::chrono::seconds(ctx.param<std::int64_t>("timeout"));
    const fs::path work = ctx.work_dir();

    ctx.progress(0.05, "yosys: RTL");
    const fs::path gold_json = work / "gold.json";
    write_text(work / "gold.ys", equiv_prepare_script(verilog_sources(ctx.input("rtl")), ctx.param<std::string>("top"),
                                                      gold_json, true));
    run_checked(ctx, {"yosys", {"-q", "-l", (work / "gold.log").string(), "-s", (work / "gold.ys").string()}, work,
                      timeout, "yosys", {}, {}},
                "preparing the RTL");
    AigDesign gold = read_aig_json(read_json_file(gold_json), gold_json.string());

    ctx.progress(0.35, "yosys: netlist");
    std::vector<fs::path> gate_sources = {models};
    for (const auto& f : verilog_sources(ctx.input("netlist"))) gate_sources.push_back(f);
    const fs::path gate_json = work / "gate.json";
    write_text(work / "gate.ys", equiv_prepare_script(gate_sources, gold.top, gate_json, false));
    run_checked(ctx, {"yosys", {"-q", "-l", (work / "gate.log").string(), "-s", (work / "gate.ys").string()}, work,
                      timeout, "yosys", {}, {}},
                "preparing the netlist");
    AigDesign gate = read_aig_json(read_json_file(gate_json), gate_json.string());

    ctx.progress(0.6, "pairing flip-flops");
    CutPair cut = cut_and_pair(gold, gate);
    write_text(work / "gold.blif", cut.gold_blif);
    write_text(work / "gate.blif", cut.gate_blif);
    ctx.info("paired " + std::to_string(cut.matched_flops) + " flip-flops; comparing " +
             std::to_string(cut.output_names.size()) + " outputs");

    ctx.progress(0.7, "abc cec");
    ToolResult r = run_checked(ctx, {"yosys-abc", {"-c", "cec gold.blif gate.blif"}, work, timeout, "yosys", {}, {}},
                               "equivalence checking");
    CecVerdict v = parse_cec_output(r.output, cut.output_names, cut.input_names);

    std::string report = "flowrun verify.equiv: " + gold.top + "\n" +
                         "method: Yosys AIG + flip-flops paired by name + ABC cec\n" +
                         "flip-flops: RTL " + std::to_string(gold.flops.size()) + ", netlist " +
                         std::to_string(gate.flops.size()) + ", paired " + std::to_string(cut.matched_flops) + "\n" +
                         "compared outputs: " + std::to_string(cut.output_names.size()) + "\n" +
                         "AND gates: RTL " + std::to_string(gold.ands.size()) + ", netlist " +
                         std::to_string(gate.ands.size()) + "\n" +
                         "verdict: " + (v.equivalent ? "EQUIVALENT" : v.decided ? "NOT EQUIVALENT" : "UNDECIDED") +
                         "\n\nABC:\n" + v.detail + "\n";
    write_text(ctx.output("report"), report);
    ctx.metric("flip_flops", cut.matched_flops);
    ctx.metric("compared_outputs", static_cast<int>(cut.output_names.size()));
    if (!v.decided)
      throw StageError("ABC did not decide equivalence:\n" + v.detail);
    ctx.metric("proven", v.equivalent ? 1 : 0);
    if (!v.equivalent)
      throw StageError("not equivalent: ABC found a counterexample (inputs not listed are 0; 'state of' inputs "
                       "are flip-flop values):\n" + v.detail);
    ctx.info("netlist proven equivalent to the RTL");
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::eda

FLOWRUN_REGISTER_STAGE(flowrun::eda::VerifyEquiv)
