// sta.opensta: static timing and power of a netlist with OpenSTA.
#include "sta_path.hpp"
#include "sta_support.hpp"
#include "synth_support.hpp"
#include "tool_util.hpp"
#include "verilog_scan.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <cstdio>

namespace flowrun::eda {
namespace {

json cell(const std::optional<double>& v) { return v ? json(*v) : json(); }

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

// The critical path as a table plot (docs/report.md).
void write_path_plot(const std::string& report, const fs::path& file) {
  Plot table = Plot::table("Critical path", {"point", "cell", "edge", "cap_pf", "slew_ns", "delay_ns", "arrival_ns"});
  const auto path = parse_critical_path(report);
  if (!path) {
    table.note("OpenSTA reported no max-delay path.").write(file);
    return;
  }
  for (const auto& p : path->points)
    table.add_row(json::array({p.point, p.cell, p.edge, cell(p.cap), cell(p.slew), cell(p.delay), p.time}));
  std::string note = "From " + path->startpoint + " to " + path->endpoint;
  if (path->slack) note += "; slack " + format_number(*path->slack) + " ns (" + path->slack_status + ")";
  table.note(note + ". Edges: ^ rise, v fall.").write(file);
}

class StaOpensta final : public Stage {
 public:
  StaOpensta() {
    spec_.kind = "sta.opensta";
    spec_.version = "4";  // 4: critical-path plot; 3: macros; 2: metrics.json output
    spec_.summary = "Static timing analysis and power estimate of a netlist with OpenSTA";
    spec_.doc =
        "Writes constraints (constraints.sdc: a clock of clock_period_ns on\n"
        "clock_port, or a virtual clock when the netlist has no such port, so\n"
        "input->output paths of combinational logic are timed; input/output\n"
        "delays, output load, input transition) and an OpenSTA script\n"
        "(read_liberty, read_verilog, link_design, read_sdc, report_checks,\n"
        "report_wns/tns, report_power with a global input activity).\n"
        "Metrics: wns_ns (worst slack, positive when met), tns_ns,\n"
        "critical_path_ns = clock_period_ns - worst slack (the shortest period\n"
        "that meets timing), fmax_mhz = 1000 / critical_path_ns, power_mw and\n"
        "its internal/switching/leakage parts.\n"
        "`macros` (a folder of .lib and .v files, e.g. SRAMs): every .lib is read\n"
        "after the cell library, so paths through the macros (clk->dout, setup\n"
        "of addr/din/ce/we) are timed and their access energy (per rising clk\n"
        "edge with ce high) and leakage are in power_mw.";
    spec_.inputs = {
        {"netlist", "netlist", "structural Verilog of Liberty cells", "", false, false},
        {"macros", "macros", "macro Liberty cells the netlist instantiates: a folder whose *.lib files are read (or one .lib)",
         "", true, false},
    };
    spec_.outputs = {
        {"timing", "report", "OpenSTA's reports: paths, slack, power", "timing.rpt"},
        {"sdc", "report", "the constraints used", "constraints.sdc"},
        {"metrics", "report", "the metrics below as a JSON object, for gathering stages", "metrics.json"},
        {"path_plot", "plot", "the worst max-delay path point by point, a table for report.html", "critical_path.json"},
    };
    spec_.params = {
        {"liberty", ParamType::Path, "Liberty cell library", "${site.cell_library}", {}, {}, {}},
        {"top", ParamType::String, "top module; empty: the module no other module instantiates", "", {}, {}, {}},
        {"clock_port", ParamType::String, "clock input; when the netlist has no such port a virtual clock is used",
         "clk", {}, {}, {}},
        {"clock_period_ns", ParamType::Float, "clock period", 10.0, 0.001, 1e6, {}},
        {"input_delay_ns", ParamType::Float, "input delay relative to the clock", 0.0, 0.0, 1e6, {}},
        {"output_delay_ns", ParamType::Float, "output delay (required before the next edge)", 0.0, 0.0, 1e6, {}},
        {"load_pf", ParamType::Float, "capacitive load on every output", 0.005, 0.0, 100.0, {}},
        {"input_transition_ns", ParamType::Float, "transition time of every input", 0.02, 0.0, 100.0, {}},
        {"activity", ParamType::Float, "input toggles per clock period for the power estimate", 0.1, 0.0, 2.0, {}},
        {"timeout", ParamType::Int, "OpenSTA timeout in seconds", 600, 1.0, 86400.0, {}},
    };
    spec_.key_metrics = {"wns_ns", "fmax_mhz", "power_mw"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    StaSetup s;
    s.liberty = ctx.param<std::string>("liberty");
    std::error_code ec;
    if (s.liberty.empty() || !fs::is_regular_file(s.liberty, ec))
      throw StageError("liberty: " + s.liberty.string() + " does not exist");
    if (ctx.has_input("macros")) s.macro_liberty = macro_liberty_files(ctx.input("macros"));
    s.netlist = ctx.input("netlist");
    if (fs::is_directory(s.netlist, ec)) {
      auto files = verilog_sources(s.netlist);
      if (files.size() != 1)
        throw StageError(s.netlist.string() + ": expected one netlist file, found " + std::to_string(files.size()));
      s.netlist = files[0];
    }
    auto modules = scan_verilog_modules(read_text(s.netlist));
    const ScannedModule& top = pick_top(modules, ctx.param<std::string>("top"), s.netlist.string());
    s.top = top.name;
    const std::string clock = ctx.param<std::string>("clock_port");
    if (!clock.empty() && top.inputs.count(clock)) s.clock_port = clock;
    else ctx.info("no clock port '" + clock + "' on " + s.top + ": timing input-to-output paths with a virtual clock");
    s.period_ns = ctx.param<double>("clock_period_ns");
    s.input_delay_ns = ctx.param<double>("input_delay_ns");
    s.output_delay_ns = ctx.param<double>("output_delay_ns");
    s.load_pf = ctx.param<double>("load_pf");
    s.input_transition_ns = ctx.param<double>("input_transition_ns");
    s.activity = ctx.param<double>("activity");
    s.sdc = ctx.output("sdc");
    write_text(s.sdc, sta_sdc(s));
    const fs::path tcl = ctx.work_dir() / "sta.tcl";
    write_text(tcl, sta_tcl(s));

    ctx.progress(0.1, "opensta");
    ToolCall call{"sta", {"-no_init", "-no_splash", "-exit", tcl.string()}, ctx.work_dir(),
                  std::chrono::seconds(ctx.param<std::int64_t>("timeout")), "opensta", {}, {}};
    ToolResult r = run_checked(ctx, call, "static timing analysis");
    // OpenSTA reports Tcl errors but may still exit 0.
    if (r.output.find("Error:") != std::string::npos || r.output.find("\nError") != std::string::npos)
      throw StageError("OpenSTA reported errors:\n" + tail_lines(r.output, 15));
    write_text(ctx.output("timing"), r.output);

    StaResult res = parse_sta_output(r.output);
    const double critical = s.period_ns - res.worst_slack_ns;
    json metrics = {{"wns_ns", res.worst_slack_ns},
                    {"tns_ns", res.tns_ns},
                    {"clock_period_ns", s.period_ns},
                    {"critical_path_ns", critical}};
    if (critical > 0) metrics["fmax_mhz"] = 1000.0 / critical;
    if (res.total_w) {
      metrics["power_mw"] = *res.total_w * 1e3;
      metrics["internal_power_mw"] = *res.internal_w * 1e3;
      metrics["switching_power_mw"] = *res.switching_w * 1e3;
      metrics["leakage_power_mw"] = *res.leakage_w * 1e3;
    } else {
      ctx.warn("OpenSTA printed no power report");
    }
    for (const auto& [name, value] : metrics.items()) ctx.metric(name, value);
    write_text(ctx.output("metrics"), metrics.dump(2) + "\n");
    write_path_plot(r.output, ctx.output("path_plot"));
    ctx.info("worst slack " + std::to_string(res.worst_slack_ns) + " ns at " + std::to_string(s.period_ns) +
             " ns; critical path " + std::to_string(critical) + " ns");
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::eda

FLOWRUN_REGISTER_STAGE(flowrun::eda::StaOpensta)
