// The testbench artifact contract and the simulator's result line.
//
// A testbench artifact is a folder holding testbench.json
//   {"format": "flowrun.testbench/1", "top": "<tb module>",
//    "sources": ["tb.v", ...], "timeout_s": 600}
// plus the data files the testbench reads (through the FLOWRUN_TBDIR macro,
// the folder's absolute path with a trailing '/').
//
// A testbench prints exactly one line
//   FLOWRUN_RESULT {"status":"PASS","vectors":N,"mismatches":M,...}
//
// A testbench that declares "shardable": true may be run as N processes in
// parallel, process i with the plusargs +flowrun_shard=i +flowrun_shards=N;
// it then checks only its share of the vectors (the shares of i = 0..N-1
// are disjoint and cover every vector; cyclic or contiguous is the
// testbench's choice) and prints its own FLOWRUN_RESULT line, and the stage
// merges the lines (merge_shard_results).
#pragma once

#include <flowrun/context.hpp>
#include <flowrun/spec.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

// How a numeric FLOWRUN_RESULT field combines over shards.
enum class MergeRule {
  Sum,   // a count: the shards' values add up
  Max,   // the largest shard value
  Min,   // the smallest shard value
  Same,  // not a count: kept when every shard reports the same value, else left out
};

struct Testbench {
  fs::path dir;                    // absolute
  std::string top;
  std::vector<fs::path> sources;   // absolute
  int timeout_s = 600;
  bool shardable = false;          // "shardable": true
  std::map<std::string, MergeRule> merge;  // "merge": {"field": "sum|max|min|same"}
};

// Reads and checks <dir>/testbench.json; throws StageError naming the file
// and the field on any problem (missing file, wrong format tag, a source
// that does not exist...).
Testbench read_testbench(const fs::path& dir);

// Finds the FLOWRUN_RESULT line in simulator output and parses its JSON
// object. Throws StageError when the line is missing (the testbench did not
// finish) or its JSON is malformed. With several lines, the last one wins.
json parse_sim_result(std::string_view output);

// Judges a parsed result: empty string when it passed, else why it failed
// (status not PASS, mismatches > 0, no vectors field).
std::string sim_failure(const json& result);

// The rule of one result field: the testbench's declaration
// (testbench.json "merge") if any; else max_* -> Max, min_* -> Min;
// vectors, mismatches, cycles and *_mismatches -> Sum (the counts of the
// contract); anything else -> Same. Only declared or known counts are ever
// summed, so a latency, a shard index or a ratio never is.
MergeRule merge_rule(const std::string& key, const std::map<std::string, MergeRule>& declared);
const char* merge_rule_name(MergeRule rule);

// Merges the FLOWRUN_RESULT objects of the shards of one simulation:
// "status" is PASS only when every shard says PASS (else the first other
// status); every other field follows merge_rule(). A field that is not
// numeric in every shard, or missing from one, merges as Same. A Same field
// whose shards disagree is left out of the merged line (each shard's value
// stays in summary.json's shard_results). One shard: unchanged.
json merge_shard_results(const std::vector<json>& shards, const std::map<std::string, MergeRule>& declared = {});

// How many processes a simulation runs: 1 unless the testbench is
// shardable; then `requested`, where 0 means `threads` (at least 1).
int shard_count(const Testbench& tb, std::int64_t requested, int threads);

// The plusargs of shard i of n: {"+flowrun_shard=i", "+flowrun_shards=n"}.
std::vector<std::string> shard_plusargs(int shard, int shards);

// Simulation models of macros (the `models` port): a .v file, or a folder
// whose *.v files, sorted by name, are the models. Throws StageError naming
// the path when it does not exist or the folder has no .v file.
std::vector<fs::path> model_sources(const fs::path& models);

// Runs the simulation program once per shard, all in parallel. With one
// shard the working folder is `results` and no plusargs are added unless
// the testbench is shardable; with n > 1 shard i runs in
// results/shard<i>/ with shard_plusargs(i, n) appended, its output also
// copied to <work>/shard<i>.log. Returns the results in shard order and
// the wall time of the whole run.
struct ShardedRun {
  std::vector<ToolResult> results;
  double seconds = 0;
};
ShardedRun run_sharded(Context& ctx, const ToolCall& call, const fs::path& results, int shards,
                       bool shardable);

// What a simulation run produced, for judge_simulation.
struct SimRun {
  std::string simulator;           // "vvp", "verilator": names the program in messages
  const Testbench* tb = nullptr;
  std::vector<fs::path> design;
  std::vector<fs::path> models;    // macro simulation models (port `models`)
  fs::path cell_models;            // empty: RTL simulation
  ShardedRun run;                  // of the simulation program, one result per shard
  std::int64_t timeout_s = 0;
};

// The common end of sim.iverilog and sim.verilator: fails on a timeout,
// parses every shard's FLOWRUN_RESULT, records every numeric field of the
// merged result as a metric (plus `shards` and `sim_seconds`), writes
// summary.json (no times, no absolute paths: the same inputs give the
// same bytes), then throws StageError when a shard did not PASS or its
// program exited non-zero, naming the shard.
void judge_simulation(Context& ctx, const SimRun& run, const fs::path& summary_file);

// The iverilog argument list (without the program name).
std::vector<std::string> iverilog_args(const Testbench& tb, const std::vector<fs::path>& design,
                                       const fs::path& cell_models, const fs::path& vvp_out);

// The verilator argument list (without the program name) that builds a
// self-running simulation binary <obj_dir>/V<top> with `--binary --timing`.
// Warnings stay non-fatal and lint/style warnings off: testbenches and
// netlists are checked elsewhere, here only simulation matters.
// Without `optimize` the whole model is built as one translation unit at
// -O0 (VM_PARALLEL_BUILDS=0, OPT_FAST/OPT_SLOW/OPT_GLOBAL=-O0): Verilator's
// default splits a 13k-cell netlist into ~15 files, each of which spends
// ~1.5 s parsing the same runtime headers, and compiles them at -Os; one
// -O0 unit builds in 15 s instead of 50 s while the 3000-frame decoder
// testbench still runs in 0.3 s. `optimize` keeps Verilator's defaults
// (parallel units at -Os), for long simulations.
// `trace` adds --trace, without which $dumpfile/$dumpvars write nothing.
struct VerilatorBuild {
  int jobs = 1;
  bool trace = false;
  bool optimize = false;
};
std::vector<std::string> verilator_args(const Testbench& tb, const std::vector<fs::path>& design,
                                        const fs::path& cell_models, const fs::path& obj_dir,
                                        const VerilatorBuild& build);

}  // namespace flowrun::eda
