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
#pragma once

#include <flowrun/context.hpp>
#include <flowrun/spec.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

struct Testbench {
  fs::path dir;                    // absolute
  std::string top;
  std::vector<fs::path> sources;   // absolute
  int timeout_s = 600;
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

// What a simulation run produced, for judge_simulation.
struct SimRun {
  std::string simulator;           // "vvp", "verilator": names the program in messages
  const Testbench* tb = nullptr;
  std::vector<fs::path> design;
  fs::path cell_models;            // empty: RTL simulation
  ToolResult result;               // of the simulation program
  std::int64_t timeout_s = 0;
  json extra;                      // more summary.json fields (e.g. compile_seconds)
};

// The common end of sim.iverilog and sim.verilator: fails on a timeout,
// parses FLOWRUN_RESULT, records every numeric field as a metric, writes
// summary.json, then throws StageError when the testbench did not PASS or
// the program exited non-zero.
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
