// sim.verilator: the same testbench artifacts as sim.iverilog, compiled to a
// native simulation binary with Verilator. Compiling costs about 15 s on a
// 13k-cell gate-level netlist, but the binary then runs thousands of frames
// in a fraction of a second, where Icarus manages ~10 cycles per second.
#include "sim_support.hpp"
#include "tool_util.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::eda {
namespace {

class SimVerilator final : public Stage {
 public:
  SimVerilator() {
    spec_.kind = "sim.verilator";
    spec_.version = "6";  // 6: optimize builds at -O2; 5: explicit shard merge rules; 4: models, shards, summary.json without times and paths; 3: one -O0 unit unless optimize; 2: --trace for VCDs
    spec_.summary = "Simulate a testbench against a design or gate-level netlist with Verilator";
    spec_.doc =
        "Builds a simulation binary from the testbench sources and the design with\n"
        "  verilator --binary --timing -j <threads> --x-assign 0 --x-initial 0\n"
        "    -MAKEFLAGS \"VM_PARALLEL_BUILDS=0 OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0\"\n"
        "    --top-module <top> -DFLOWRUN_TBDIR=\"<testbench dir>/\" ...\n"
        "in the stage's work folder and runs it in the `results` folder (so files\n"
        "the testbench writes, e.g. dump.vcd, land there). Same testbench contract\n"
        "as sim.iverilog: one line\n"
        "  FLOWRUN_RESULT {\"status\":\"PASS\",\"vectors\":N,\"mismatches\":M,...}\n"
        "whose numeric fields become metrics; the stage fails when the line is\n"
        "missing, status is not PASS, mismatches > 0, compilation fails or the\n"
        "simulation times out. Verilator is 2-state: x and uninitialised values\n"
        "are 0, so testbenches must reset the design (comparisons with !== see no x).\n"
        "Use it where Icarus is too slow, e.g. gate-level simulation of large\n"
        "netlists (cell_models = ${site.cell_verilog}). The model is built as one\n"
        "C++ unit at -O0, the quickest build; optimize = true uses Verilator's\n"
        "parallel build with the model and runtime at -O2 (-MAKEFLAGS \"OPT_FAST=-O2\n"
        "OPT_GLOBAL=-O2\", not Verilator's default -Os), for simulations that run for minutes.\n"
        "`models` adds simulation models of macros (SRAMs) the design\n"
        "instantiates. A testbench.json with \"shardable\": true runs the binary\n"
        "as `shards` parallel processes (0: the stage's threads), shard i with\n"
        "+flowrun_shard=i +flowrun_shards=N in results/shard<i>/; each prints its\n"
        "own FLOWRUN_RESULT. The lines merge by an explicit rule per field:\n"
        "vectors, mismatches, cycles, *_mismatches and fields testbench.json\n"
        "declares \"sum\" are summed; max_*/min_* (or declared max/min)\n"
        "combined; any other field is kept only when every shard agrees (never\n"
        "summed); the stage passes only if every shard does.";
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
        {"optimize", ParamType::Bool,
         "build the model in Verilator's parallel units at -O2 (slower build, faster simulation)",
         false, {}, {}, {}},
        {"vcd", ParamType::Bool, "build with --trace and pass +vcd to the simulation (testbenches dump waves when set)", false, {}, {}, {}},
        {"timeout", ParamType::Int, "simulation timeout in seconds; 0: the testbench's timeout_s (per shard)", 0, 0.0,
         86400.0, {}},
        {"shards", ParamType::Int,
         "parallel simulation processes for a testbench that declares \"shardable\": true (each checks the "
         "testbench's share of the vectors: a disjoint part, cyclic or contiguous); 0: the stage's threads; 1: off",
         0, 0.0, 1024.0, {}},
        {"compile_timeout", ParamType::Int, "verilator (and C++ build) timeout in seconds", 1800, 1.0, 86400.0, {}},
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

    const fs::path obj_dir = ctx.work_dir() / "obj_dir";
    fs::create_directories(obj_dir);
    ctx.progress(0.05, "compiling with verilator");
    const bool vcd = ctx.param<bool>("vcd");
    ToolCall compile{"verilator", verilator_args(tb, compiled, cells, obj_dir,
                                                 VerilatorBuild{ctx.threads(), vcd, ctx.param<bool>("optimize")}),
                     ctx.work_dir(), std::chrono::seconds(ctx.param<std::int64_t>("compile_timeout")), "verilator",
                     {}, {}};
    ToolResult built = run_checked(ctx, compile, "building the verilator simulation of " + tb.top);
    ctx.metric("compile_seconds", built.seconds);
    const fs::path binary = obj_dir / ("V" + tb.top);
    if (!fs::is_regular_file(binary, ec))
      throw StageError("verilator finished but did not produce " + binary.string() + ":\n" +
                       tail_lines(built.output, 10));

    const fs::path results = ctx.output("results");
    fs::create_directories(results);
    std::int64_t timeout = ctx.param<std::int64_t>("timeout");
    if (timeout == 0) timeout = tb.timeout_s;
    std::vector<std::string> args;
    if (vcd) args.push_back("+vcd");
    const int shards = shard_count(tb, ctx.param<std::int64_t>("shards"), ctx.threads());
    ctx.progress(0.8, shards > 1 ? "simulating in " + std::to_string(shards) + " shards" : std::string("simulating"));
    ToolCall sim{binary.string(), args, results, std::chrono::seconds(timeout), "verilator", {}, {}};
    ShardedRun r = run_sharded(ctx, sim, results, shards, tb.shardable);
    judge_simulation(ctx, SimRun{"verilator", &tb, design, models, cells, r, timeout}, ctx.output("summary"));
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::eda

FLOWRUN_REGISTER_STAGE(flowrun::eda::SimVerilator)
