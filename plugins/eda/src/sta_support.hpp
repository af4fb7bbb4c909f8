// sta.opensta helpers: the SDC constraints, the OpenSTA Tcl script and the
// parsing of its report.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

struct StaSetup {
  fs::path liberty, netlist, sdc;
  std::vector<fs::path> macro_liberty;  // read after the cell library
  std::string top;
  std::string clock_port;     // empty: no clock port; a virtual clock times in->out paths
  double period_ns = 10;
  double input_delay_ns = 0;
  double output_delay_ns = 0;
  double load_pf = 0.005;
  double input_transition_ns = 0.02;
  double activity = 0.1;      // toggles per clock period on inputs (power)
};

// SDC text: a clock on clock_port (or a virtual clock "vclk"), input and
// output delays against it, output load and input transition.
std::string sta_sdc(const StaSetup& s);

// The OpenSTA script: read, link, constrain, report (with markers the
// parser looks for).
std::string sta_tcl(const StaSetup& s);

struct StaResult {
  double worst_slack_ns = 0;
  double tns_ns = 0;
  std::optional<double> internal_w, switching_w, leakage_w, total_w;
};

// Parses OpenSTA's output of sta_tcl. Throws StageError when the worst
// slack is missing or infinite (nothing was constrained).
StaResult parse_sta_output(std::string_view output);

}  // namespace flowrun::eda
