// synth.yosys helpers: the Yosys script and the cell statistics of the
// mapped netlist (read from Yosys' JSON netlist, priced with the Liberty
// reader).
#pragma once

#include <flowrun/spec.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

struct SynthScript {
  std::vector<fs::path> sources;
  std::string top;          // empty: hierarchy -auto-top
  fs::path liberty;         // the library (read_liberty -lib, stat)
  std::vector<fs::path> macro_liberty;  // macro libraries: black boxes (read_liberty -lib, stat)
  fs::path map_liberty;     // the library given to dfflibmap/abc (may be a restricted copy)
  bool flatten = true;
  std::string abc_script;   // extra `abc` options, e.g. "-D 2000"; empty: none
  fs::path netlist_v, netlist_json;
  fs::path stat_txt;        // written by name into Yosys' working folder
};

// The Yosys script, commented, one command per line.
std::string synth_yosys_script(const SynthScript& s);

struct CellStats {
  std::string top;
  std::map<std::string, int> per_type;  // standard cell type -> count
  int cells = 0;                        // standard cells
  int sequential = 0;
  double area = 0;                      // standard cells (logic area)
  long transistors = 0;
  bool transistors_known = true;  // every standard cell has flowrun_transistors
  // Instances of macro cells (from the macro libraries).
  std::map<std::string, int> per_macro;
  int macros = 0;
  double macro_area = 0;
};

// Reads Yosys' write_json output: the top module's cells, checked against
// the library and the macro libraries (a cell type none of them defines
// throws StageError naming it: the netlist must be made of Liberty cells
// and macros only). A type in both counts as a standard cell.
CellStats netlist_cell_stats(const json& yosys_json, const liberty::Library& lib,
                             const std::string& json_file,
                             const std::vector<liberty::Library>& macro_libs = {});

// The Liberty files of a `macros` artifact: a .lib file, or a folder whose
// *.lib files (sorted by name) are read; its .v simulation models are not
// needed here. Throws StageError naming the path when there is none.
std::vector<fs::path> macro_liberty_files(const fs::path& macros);

// The names of the combinational cells of `lib` NOT in `gates` (to remove
// them from the mapping library). Throws StageError for a gate name the
// library does not have or that is sequential.
std::vector<std::string> cells_to_drop(const liberty::Library& lib, const std::vector<std::string>& gates);

// A metric-safe suffix for a cell type: "cells_" + type.
std::string cell_metric(const std::string& type);

}  // namespace flowrun::eda
