#include "sta_support.hpp"

#include "tool_util.hpp"

#include <flowrun/stage.hpp>

#include <cmath>
#include <sstream>

namespace flowrun::eda {
namespace {

std::string num(double v) {
  std::ostringstream o;
  o.precision(10);
  o << v;
  return o.str();
}

// The value after `key` on the first line starting with `key`.
std::optional<std::string> field_after(std::string_view out, std::string_view key) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t eol = out.find('\n', pos);
    std::string_view line = out.substr(pos, eol == std::string_view::npos ? out.size() - pos : eol - pos);
    if (line.substr(0, key.size()) == key) {
      std::string_view rest = line.substr(key.size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.remove_suffix(1);
      return std::string(rest);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string sta_sdc(const StaSetup& s) {
  std::ostringstream o;
  o << "# flowrun sta.opensta constraints for " << s.top << "\n";
  o << "set_units -time ns -capacitance pF\n";
  if (!s.clock_port.empty()) {
    o << "create_clock -name clk -period " << num(s.period_ns) << " [get_ports {" << s.clock_port << "}]\n";
    o << "set_input_delay " << num(s.input_delay_ns) << " -clock clk [delete_from_list [all_inputs] [get_ports {"
      << s.clock_port << "}]]\n";
  } else {
    o << "# no clock port: a virtual clock times input-to-output paths\n";
    o << "create_clock -name clk -period " << num(s.period_ns) << "\n";
    o << "set_input_delay " << num(s.input_delay_ns) << " -clock clk [all_inputs]\n";
  }
  o << "set_output_delay " << num(s.output_delay_ns) << " -clock clk [all_outputs]\n";
  o << "set_load " << num(s.load_pf) << " [all_outputs]\n";
  if (!s.clock_port.empty())
    o << "set_input_transition " << num(s.input_transition_ns) << " [delete_from_list [all_inputs] [get_ports {"
      << s.clock_port << "}]]\n";
  else
    o << "set_input_transition " << num(s.input_transition_ns) << " [all_inputs]\n";
  return o.str();
}

std::string sta_tcl(const StaSetup& s) {
  std::ostringstream o;
  o << "# flowrun sta.opensta script\n";
  o << "read_liberty " << tcl_quote(s.liberty) << "\n";
  for (const auto& m : s.macro_liberty) o << "read_liberty " << tcl_quote(m) << "\n";
  o << "read_verilog " << tcl_quote(s.netlist) << "\n";
  o << "link_design {" << s.top << "}\n";
  o << "read_sdc " << tcl_quote(s.sdc) << "\n";
  o << "set_power_activity -global -activity " << num(s.activity) << " -duty 0.5\n";
  o << "report_checks -path_delay max -fields {slew cap input_pins fanout} -digits 4\n";
  o << "report_checks -path_delay min -digits 4\n";
  o << "puts \"FLOWRUN_WORST_SLACK [sta::format_time [sta::worst_slack_cmd max] 6]\"\n";
  o << "puts \"FLOWRUN_TNS [sta::format_time [sta::total_negative_slack_cmd max] 6]\"\n";
  o << "report_wns -digits 4\n";
  o << "report_tns -digits 4\n";
  o << "report_power -digits 6\n";
  o << "exit\n";
  return o.str();
}

StaResult parse_sta_output(std::string_view out) {
  StaResult r;
  auto slack = field_after(out, "FLOWRUN_WORST_SLACK");
  if (!slack) throw StageError("OpenSTA output has no worst slack (FLOWRUN_WORST_SLACK line):\n" + tail_lines(out, 10));
  try {
    std::size_t used = 0;
    r.worst_slack_ns = std::stod(*slack, &used);
  } catch (const std::exception&) {
    throw StageError("OpenSTA reported worst slack '" + *slack +
                     "': no timing path is constrained (check clock_port and that the netlist has paths "
                     "from inputs or flip-flops to outputs or flip-flops)");
  }
  if (!std::isfinite(r.worst_slack_ns) || std::abs(r.worst_slack_ns) > 1e20)
    throw StageError("OpenSTA reported an infinite worst slack: no timing path is constrained");
  if (auto tns = field_after(out, "FLOWRUN_TNS")) {
    try { r.tns_ns = std::stod(*tns); } catch (const std::exception&) {}
  }
  // "Total  <internal> <switching> <leakage> <total>  100.0%"
  if (auto total = field_after(out, "Total")) {
    std::istringstream in(*total);
    double a, b, c, d;
    if (in >> a >> b >> c >> d) {
      r.internal_w = a;
      r.switching_w = b;
      r.leakage_w = c;
      r.total_w = d;
    }
  }
  return r;
}

}  // namespace flowrun::eda
