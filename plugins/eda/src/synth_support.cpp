#include "synth_support.hpp"

#include "tool_util.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace flowrun::eda {

std::string synth_yosys_script(const SynthScript& s) {
  std::ostringstream y;
  y << "# flowrun synth.yosys: RTL -> flat netlist of Liberty cells\n";
  y << "# cells are known as black boxes so instances of them pass through\n";
  y << "read_liberty -lib " << yosys_quote(s.liberty) << "\n";
  if (!s.macro_liberty.empty()) {
    y << "# macros (SRAMs) stay black boxes: their Liberty cells, and -nooverwrite\n";
    y << "# so a behavioural model of a macro among the sources cannot replace one\n";
    for (const auto& m : s.macro_liberty) y << "read_liberty -lib " << yosys_quote(m) << "\n";
  }
  const std::string read = s.macro_liberty.empty() ? "read_verilog " : "read_verilog -nooverwrite ";
  for (const auto& f : s.sources) y << read << yosys_quote(f) << "\n";
  y << "# generic synthesis: elaborate, optimise, map to internal gates\n";
  if (s.top.empty()) {
    y << "hierarchy -check -auto-top\n";
    y << "synth " << (s.flatten ? "-flatten " : "") << "-auto-top\n";
  } else {
    y << "hierarchy -check -top " << s.top << "\n";
    y << "synth " << (s.flatten ? "-flatten " : "") << "-top " << s.top << "\n";
  }
  y << "# flip-flops onto the library's ff cells (async reset included)\n";
  y << "dfflibmap -liberty " << yosys_quote(s.map_liberty) << "\n";
  y << "# combinational logic onto the library's gates\n";
  y << "abc -liberty " << yosys_quote(s.map_liberty) << (s.abc_script.empty() ? "" : " " + s.abc_script) << "\n";
  y << "# a netlist every reader accepts (OpenSTA takes neither concatenated\n";
  y << "# assigns nor x constants): drop unused wires, tie undriven bits to 0,\n";
  y << "# split internal buses into single-bit nets\n";
  y << "opt_clean -purge\n";
  y << "setundef -undriven -zero\n";
  y << "splitnets\n";
  y << "check\n";
 // tee takes its file name verbatim (no quoting), so it writes a plain
  // name in the working folder and the stage copies it.
  y << "tee -o " << s.stat_txt.filename().string() << " stat -liberty " << yosys_quote(s.liberty);
  for (const auto& m : s.macro_liberty) y << " -liberty " << yosys_quote(m);
  y << "\n";
  // -simple-lhs: aliased bits (e.g. the copies of a sign bit) would
  // otherwise be written as `assign {a, b} = {c, d};`, which OpenSTA refuses.
  y << "write_verilog -noattr -noexpr -simple-lhs " << yosys_quote(s.netlist_v) << "\n";
  y << "write_json " << yosys_quote(s.netlist_json) << "\n";
  return y.str();
}

CellStats netlist_cell_stats(const json& j, const liberty::Library& lib, const std::string& file,
                             const std::vector<liberty::Library>& macro_libs) {
  if (!j.is_object() || !j.contains("modules") || !j["modules"].is_object())
    throw StageError(file + ": expected a Yosys JSON netlist with \"modules\"");
  CellStats st;
  const json* top = nullptr;
  for (const auto& [name, m] : j["modules"].items()) {
    const json& attrs = m.value("attributes", json::object());
    if (attrs.contains("top")) {
      st.top = name;
      top = &m;
    }
  }
  if (!top) throw StageError(file + ": no module is marked as top");
  std::vector<std::string> foreign;
  const json cells = top->value("cells", json::object());
  for (const auto& [inst, cell] : cells.items()) {
    std::string type = cell.value("type", "");
    const liberty::LibCell* c = lib.find(type);
    if (!c) {
      const liberty::LibCell* macro = nullptr;
      for (const auto& ml : macro_libs)
        if ((macro = ml.find(type))) break;
      if (macro) {
        ++st.per_macro[type];
        ++st.macros;
        st.macro_area += macro->area;
        continue;
      }
      if (std::find(foreign.begin(), foreign.end(), type) == foreign.end()) foreign.push_back(type);
      continue;
    }
    ++st.per_type[type];
    ++st.cells;
    if (c->sequential) ++st.sequential;
    st.area += c->area;
    if (c->transistors < 0) st.transistors_known = false;
    else st.transistors += c->transistors;
  }
  if (!foreign.empty()) {
    std::string list;
    for (const auto& t : foreign) list += (list.empty() ? "" : ", ") + t;
    std::string libs = lib.file;
    for (const auto& ml : macro_libs) libs += ", " + ml.file;
    throw StageError("the synthesized netlist of '" + st.top + "' contains cells that are not in " + libs +
                     ": " + list + " (the library cannot implement this logic, e.g. a latch or a flip-flop "
                     "kind it lacks" + (macro_libs.empty() ? "" : ", or a module that is not a macro") + ")");
  }
  return st;
}

std::vector<fs::path> macro_liberty_files(const fs::path& macros) {
  std::error_code ec;
  if (fs::is_regular_file(macros, ec)) return {macros};
  if (!fs::is_directory(macros, ec))
    throw StageError("macros: " + macros.string() + " does not exist (expected a folder of .lib and .v files)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(macros))
    if (e.is_regular_file() && e.path().extension() == ".lib") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw StageError("macros: " + macros.string() + ": expected Liberty (.lib) files in this folder, found none");
  return files;
}

std::vector<std::string> cells_to_drop(const liberty::Library& lib, const std::vector<std::string>& gates) {
  for (const auto& g : gates) {
    const liberty::LibCell* c = lib.find(g);
    if (!c) throw StageError("gates: '" + g + "' is not a cell of " + lib.file);
    if (c->sequential) throw StageError("gates: '" + g + "' is a sequential cell; list combinational cells only");
  }
  std::vector<std::string> drop;
  for (const auto& c : lib.cells)
    if (!c.sequential && std::find(gates.begin(), gates.end(), c.name) == gates.end()) drop.push_back(c.name);
  return drop;
}

std::string cell_metric(const std::string& type) {
  std::string m = "cells_";
  for (char ch : type) m += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return m;
}

}  // namespace flowrun::eda
