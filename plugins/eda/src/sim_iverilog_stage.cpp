// sim.iverilog: compiles a testbench with a design (RTL, or a gate-level
// netlist plus cell models) with Icarus Verilog and runs it with vvp.
#include "sim_support.hpp"
#include "tool_util.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::eda {
namespace {

class SimIverilog final : public Stage {
 public:
  SimIverilog() {
    spec_.kind = "sim.iverilog";
    spec_.version = "3";  // 3: explicit shard merge rules; 2: models, shards; summary.json without times and paths
    spec_.summary = "Simulate a testbench against a design or gate-level netlist with Icarus Verilog";
    spec_.doc =
        "Compiles the testbench sources and the design with\n"
        "  iverilog -g2005 -s <top> -DFLOWRUN_TBDIR=\"<testbench dir>/\" ...\n"
        "and runs vvp in the `results` folder (so files the testbench writes,\n"
        "e.g. dump.vcd, land there). The testbench must print one line\n"
        "  FLOWRUN_RESULT {\"status\":\"PASS\",\"vectors\":N,\"mismatches\":M,...}\n"
        "Every numeric field becomes a metric. The stage fails when the line is\n"
        "missing, status is not PASS, mismatches > 0, compilation fails or the\n"
        "simulation times out. For gate-level simulation set cell_models to\n"
        "${site.cell_verilog}. `models` adds simulation models of macros (SRAMs)\n"
        "the design instantiates. A testbench.json with \"shardable\": true runs\n"
        "as `shards` parallel vvp processes, shard i with +flowrun_shard=i\n"
        "+flowrun_shards=N in results/shard<i>/. The result lines merge by an\n"
        "explicit rule per field: vectors, mismatches, cycles, *_mismatches and\n"
        "fields testbench.json declares \"sum\" are summed; max_*/min_* (or\n"
        "declared max/min) combined; any other field is kept only when every\n"
        "shard agrees (never summed); PASS only if all pass.";
    spec_.inputs = {
        {"testbench", "testbench", "folder with testbench.json, sources and data", "", false, false},
        {"design", "verilog|netlist", "a .v file or a folder of .v files", "", false, false},
        {"models", "macros|verilog",
         "simulation models of macros (e.g. SRAMs) the design instantiates: a .v file or a folder whose *.v "
         "files are compiled with the design (RTL and gate-level)", "", true, false},
    };
    spec_.outputs = {
        {"results", "report", "whatever the testbench wrote (cwd of the simulation)", "results/"},
        {"summary", "report", "summary.json: the merged FLOWRUN_RESULT, per-shard lines, file names (no times or paths)", "summary.json"},
    };
    spec_.params = {
        {"cell_models", ParamType::Path,
         "Verilog models of the cells for gate-level simulation, e.g. ${site.cell_verilog}; empty: none",
         "", {}, {}, {}},
        {"vcd", ParamType::Bool, "pass +vcd to the simulation (testbenches dump waves when set)", false, {}, {}, {}},
        {"timeout", ParamType::Int, "simulation timeout in seconds; 0: the testbench's timeout_s (per shard)", 0, 0.0,
         86400.0, {}},
        {"shards", ParamType::Int,
         "parallel simulation processes for a testbench that declares \"shardable\": true (each checks the "
         "testbench's share of the vectors: a disjoint part, cyclic or contiguous); 0: the stage's threads; 1: off",
         0, 0.0, 1024.0, {}},
        {"compile_timeout", ParamType::Int, "iverilog timeout in seconds", 300, 1.0, 86400.0, {}},
    };
    spec_.key_metrics = {"vectors", "mismatches"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    Testbench tb = read_testbench(ctx.input("testbench"));
    std::vector<fs::path> design = verilog_sources(ctx.input("design"));
    std::vector<fs::path> models;
    if (ctx.has_input("models")) models = model_sources(ctx.input("models"));
    // The models are compiled like design files, after them.
    std::vector<fs::path> compiled = design;
    compiled.insert(compiled.end(), models.begin(), models.end());
    fs::path cells = ctx.param<std::string>("cell_models");
    std::error_code ec;
    if (!cells.empty() && !fs::is_regular_file(cells, ec))
      throw StageError("cell_models: " + cells.string() + " does not exist");

    const fs::path vvp = ctx.work_dir() / "sim.vvp";
    ctx.progress(0.05, "compiling");
    ToolCall compile{"iverilog", iverilog_args(tb, compiled, cells, vvp), ctx.work_dir(),
                     std::chrono::seconds(ctx.param<std::int64_t>("compile_timeout")), "iverilog", {}, {}};
    run_checked(ctx, compile, "compiling the testbench " + tb.top);

    const fs::path results = ctx.output("results");
    fs::create_directories(results);
    std::int64_t timeout = ctx.param<std::int64_t>("timeout");
    if (timeout == 0) timeout = tb.timeout_s;
    std::vector<std::string> args = {vvp.string()};
    if (ctx.param<bool>("vcd")) args.push_back("+vcd");
    const int shards = shard_count(tb, ctx.param<std::int64_t>("shards"), ctx.threads());
    ctx.progress(0.2, shards > 1 ? "simulating in " + std::to_string(shards) + " shards" : std::string("simulating"));
    ToolCall sim{"vvp", args, results, std::chrono::seconds(timeout), "iverilog", {}, {}};
    ShardedRun r = run_sharded(ctx, sim, results, shards, tb.shardable);
    judge_simulation(ctx, SimRun{"vvp", &tb, design, models, cells, r, timeout}, ctx.output("summary"));
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::eda

FLOWRUN_REGISTER_STAGE(flowrun::eda::SimIverilog)
