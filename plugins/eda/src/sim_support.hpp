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

// The iverilog argument list (without the program name).
std::vector<std::string> iverilog_args(const Testbench& tb, const std::vector<fs::path>& design,
                                       const fs::path& cell_models, const fs::path& vvp_out);

}  // namespace flowrun::eda
