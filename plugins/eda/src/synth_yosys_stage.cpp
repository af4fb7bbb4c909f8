// synth.yosys: RTL -> flat structural netlist of Liberty cells with Yosys
// and ABC; reports cell counts, area and transistor counts.
#include "synth_support.hpp"
#include "tool_util.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <algorithm>

namespace flowrun::eda {
namespace {

liberty::Library load_library(const fs::path& file) {
  std::error_code ec;
  if (file.empty()) throw StageError("liberty: no Liberty file given (set the param or site.cell_library)");
  if (!fs::is_regular_file(file, ec)) throw StageError("liberty: " + file.string() + " does not exist");
  try {
    return liberty::read_liberty(file);
  } catch (const liberty::LibertyError& e) {
    throw StageError(e.what());
  }
}

// ABC cannot map without a buffer and an inverter, so those stay in the
// mapping library even when `gates` leaves them out; the result is checked.
bool abc_needs(const liberty::LibCell& c) {
  return c.has_truth && c.inputs.size() == 1 && (c.truth == 0b10 || c.truth == 0b01);
}

// Standard cells per type as a bar chart (docs/report.md).
void write_cells_plot(const CellStats& st, const fs::path& file) {
  std::vector<std::string> types;
  std::vector<double> counts;
  for (const auto& [type, n] : st.per_type) {
    types.push_back(type);
    counts.push_back(n);
  }
  if (types.empty()) {
    Plot::table("Cells by type", {"cell", "count"}).note("The netlist has no standard cells.").write(file);
    return;
  }
  Plot::bar("Cells by type", types, "cells")
      .add_bars("cells", counts)
      .note(std::to_string(st.cells) + " standard cells" + (st.macros ? ", " + std::to_string(st.macros) + " macros" : std::string()) + ".")
      .write(file);
}

class SynthYosys final : public Stage {
 public:
  SynthYosys() {
    spec_.kind = "synth.yosys";
    spec_.version = "5";  // 5: cells plot; 4: metrics.json output; 3: macros, logic/macro area; 2: netlist cleaned for OpenSTA (no bus assigns, no x)
    spec_.summary = "Synthesize Verilog RTL to a flat netlist of Liberty cells with Yosys and ABC";
    spec_.doc =
        "Runs Yosys with the script synth.ys written to the work folder:\n"
        "read_liberty -lib, read_verilog, hierarchy, synth -flatten -top,\n"
        "dfflibmap -liberty, abc -liberty, opt_clean, check, stat -liberty,\n"
        "write_verilog -noattr -noexpr -simple-lhs. The netlist keeps the RTL's top module\n"
        "name and ports. `gates` restricts the combinational cells (a copy of\n"
        "the library without the other cells is given to ABC). Metrics: cells,\n"
        "area (library units), transistors (sum of flowrun_transistors, when\n"
        "every cell has it), sequential_cells and cells_<TYPE>.\n"
        "`macros` (a folder of .lib and .v files, e.g. SRAMs written by rtl.cnn):\n"
        "every .lib is read with read_liberty -lib before the design, so its\n"
        "cells stay black boxes in the netlist (a module of the same name among\n"
        "the sources is ignored). Metrics macros (instances), macro_area and\n"
        "logic_area (0, 0, area without macros); area = logic_area + macro_area; cells,\n"
        "transistors and cells_<TYPE> count standard cells only. metrics.json\n"
        "holds the same metrics as one JSON object (gathering stages read it).";
    spec_.inputs = {
        {"verilog", "verilog", "RTL: a .v file or a folder of .v files", "", false, false},
        {"macros", "macros", "macro cells kept as black boxes: a folder whose *.lib files are read (or one .lib)", "",
         true, false},
    };
    spec_.outputs = {
        {"netlist", "netlist", "flat structural Verilog of Liberty cells", "netlist.v"},
        {"report", "report", "Yosys stat -liberty output", "stat.txt"},
        {"metrics", "report", "the metrics (cells, areas, macros, transistors, cells_<TYPE>) as a JSON object, for "
         "gathering stages", "metrics.json"},
        {"cells_plot", "plot", "cells by type, a bar chart for report.html", "cells.json"},
    };
    spec_.params = {
        {"top", ParamType::String, "top module; empty: Yosys picks it (hierarchy -auto-top)", "", {}, {}, {}},
        {"liberty", ParamType::Path, "Liberty cell library", "${site.cell_library}", {}, {}, {}},
        {"gates", ParamType::StringList,
         "combinational cells allowed (e.g. [AND2, NAND2, OR2, XOR2, XNOR2, INV]); empty: all", json::array(),
         {}, {}, {}},
        {"flatten", ParamType::Bool, "flatten the hierarchy (synth -flatten)", true, {}, {}, {}},
        {"abc_options", ParamType::String, "extra options for the abc command, e.g. \"-D 2000\"", "", {}, {}, {}},
        {"timeout", ParamType::Int, "Yosys timeout in seconds", 1800, 1.0, 86400.0, {}},
    };
    spec_.key_metrics = {"cells", "area", "macro_area", "transistors"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const fs::path lib_file = ctx.param<std::string>("liberty");
    liberty::Library lib = load_library(lib_file);
    const auto gates = ctx.param<std::vector<std::string>>("gates");
    std::vector<fs::path> macro_files;
    std::vector<liberty::Library> macro_libs;
    if (ctx.has_input("macros")) {
      macro_files = macro_liberty_files(ctx.input("macros"));
      for (const auto& f : macro_files) macro_libs.push_back(load_library(f));
    }

    SynthScript s;
    s.sources = verilog_sources(ctx.input("verilog"));
    s.top = ctx.param<std::string>("top");
    s.liberty = lib_file;
    s.macro_liberty = macro_files;
    s.map_liberty = lib_file;
    s.flatten = ctx.param<bool>("flatten");
    s.abc_script = ctx.param<std::string>("abc_options");
    s.netlist_v = ctx.output("netlist");
    s.netlist_json = ctx.work_dir() / "netlist.json";
    s.stat_txt = "stat.txt";
    if (!gates.empty()) {
      std::vector<std::string> drop = cells_to_drop(lib, gates);
      drop.erase(std::remove_if(drop.begin(), drop.end(),
                                [&](const std::string& n) { return abc_needs(*lib.find(n)); }),
                 drop.end());
      s.map_liberty = ctx.work_dir() / "map_cells.lib";
      try {
        write_text(s.map_liberty, liberty::liberty_without_cells(read_text(lib_file), lib_file.string(), drop));
      } catch (const liberty::LibertyError& e) {
        throw StageError(e.what());
      }
    }
    const fs::path script = ctx.work_dir() / "synth.ys";
    write_text(script, synth_yosys_script(s));

    ctx.progress(0.1, "yosys");
    ToolCall call{"yosys", {"-q", "-l", (ctx.work_dir() / "yosys.log").string(), "-s", script.string()},
                  ctx.work_dir(), std::chrono::seconds(ctx.param<std::int64_t>("timeout")), "yosys", {}, {}};
    run_checked(ctx, call, "synthesis");
    fs::copy_file(ctx.work_dir() / s.stat_txt, ctx.output("report"), fs::copy_options::overwrite_existing);

    json netlist;
    try {
      netlist = json::parse(read_text(s.netlist_json));
    } catch (const json::parse_error& e) {
      throw StageError(s.netlist_json.string() + ": Yosys wrote invalid JSON: " + e.what());
    }
    CellStats st = netlist_cell_stats(netlist, lib, s.netlist_json.string(), macro_libs);
    if (!gates.empty()) {
      for (const auto& [type, n] : st.per_type) {
        const liberty::LibCell* c = lib.find(type);
        if (!c->sequential && std::find(gates.begin(), gates.end(), type) == gates.end())
          throw StageError("ABC used " + std::to_string(n) + " " + type + " cell(s), which `gates` does not allow; "
                           "add " + type + " to gates (ABC needs a buffer and an inverter to map)");
      }
    }
    json metrics = {{"cells", st.cells},           {"sequential_cells", st.sequential},
                    {"area", st.area + st.macro_area}, {"logic_area", st.area},
                    {"macro_area", st.macro_area},   {"macros", st.macros}};
    if (st.transistors_known) metrics["transistors"] = st.transistors;
    for (const auto& [type, n] : st.per_type) metrics[cell_metric(type)] = n;
    for (const auto& [name, value] : metrics.items()) ctx.metric(name, value);
    write_text(ctx.output("metrics"), metrics.dump(2) + "\n");
    write_cells_plot(st, ctx.output("cells_plot"));
    ctx.info("netlist of '" + st.top + "': " + std::to_string(st.cells) + " cells, logic area " +
             std::to_string(st.area) + (st.transistors_known ? ", " + std::to_string(st.transistors) + " transistors" : "") +
             "; " + std::to_string(st.macros) + " macros, macro area " + std::to_string(st.macro_area));
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::eda

FLOWRUN_REGISTER_STAGE(flowrun::eda::SynthYosys)
