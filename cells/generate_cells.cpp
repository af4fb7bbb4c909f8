// Generates flowrun's own standard-cell library from one small, documented
// electrical model (see cells/README.md):
//   flowrun_cells.lib  Liberty (NLDM delay/transition, internal and leakage
//                      power, flowrun_transistors user attribute)
//   flowrun_cells.v    zero-delay Verilog models for gate-level simulation
//
//   usage: flowrun_cellgen OUT_DIR
//
// The committed files in cells/ are this program's output; a test checks
// that regenerating gives byte-identical files, so edit the model here and
// regenerate rather than editing the outputs by hand.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// ---- the technology model (every constant is explained in README.md) ----
constexpr double kVdd = 1.1;             // V, nominal supply
constexpr double kCinv = 0.0016;         // pF, input capacitance of the unit inverter
constexpr double kRrise = 2.8;           // kOhm, effective pull-up resistance of a unit output stage
constexpr double kRfall = 2.2;           // kOhm, effective pull-down resistance
constexpr double kSlewToDelay1 = 0.15;   // delay added per ns of input slew, one-stage cells
constexpr double kSlewToDelay2 = 0.05;   // same, two-stage cells (the inner node buffers the slew)
constexpr double kSlewToSlew1 = 0.10;    // output slew added per ns of input slew, one-stage cells
constexpr double kShortCircuit = 0.004;  // pJ per ns of input slew (short-circuit energy)
constexpr double kLeakPerTransistor = 2.5;  // nW per transistor
constexpr double kAreaPerPitch = 0.266;  // um^2: 1.4 um cell height x 0.19 um poly pitch
constexpr double kMaxCap = 0.05;         // pF, top of the load index
constexpr double kTauRise = kRrise * kCinv;  // ns
constexpr double kTauFall = kRfall * kCinv;  // ns

const std::vector<double> kSlewIndex = {0.005, 0.02, 0.06, 0.15, 0.4};      // ns
const std::vector<double> kLoadIndex = {0.0008, 0.0032, 0.008, 0.02, 0.05};  // pF

struct InputPin {
  std::string name;
  double effort;  // logical effort g: input capacitance in units of kCinv
};

struct Gate {
  std::string name;
  std::string doc;
  int transistors;
  std::vector<InputPin> inputs;
  std::string function;         // Liberty function of Y
  std::string verilog;          // Verilog expression of Y
  std::string sense;            // timing_sense for every input
  double parasitic;             // intrinsic delay in units of tau
  double output_parasitic;      // parasitic of the stage that drives Y
  int stages;                   // 1 or 2 CMOS stages
};

const std::vector<Gate> kGates = {
    {"INV", "inverter", 2, {{"A", 1.0}}, "!A", "~A", "negative_unate", 1.0, 1.0, 1},
    {"BUF", "buffer (two inverters)", 4, {{"A", 1.0}}, "A", "A", "positive_unate", 3.0, 1.0, 2},
    {"NAND2", "2-input NAND", 4, {{"A", 4.0 / 3}, {"B", 4.0 / 3}}, "!(A&B)", "~(A & B)",
     "negative_unate", 2.0, 2.0, 1},
    {"NOR2", "2-input NOR", 4, {{"A", 5.0 / 3}, {"B", 5.0 / 3}}, "!(A|B)", "~(A | B)",
     "negative_unate", 2.0, 2.0, 1},
    {"AND2", "2-input AND (NAND2 + INV)", 6, {{"A", 4.0 / 3}, {"B", 4.0 / 3}}, "(A&B)", "A & B",
     "positive_unate", 2.0 + 4.0 / 3 + 1.0, 1.0, 2},
    {"OR2", "2-input OR (NOR2 + INV)", 6, {{"A", 5.0 / 3}, {"B", 5.0 / 3}}, "(A|B)", "A | B",
     "positive_unate", 2.0 + 5.0 / 3 + 1.0, 1.0, 2},
    {"XOR2", "2-input XOR", 10, {{"A", 2.0}, {"B", 2.0}}, "(A^B)", "A ^ B", "non_unate", 4.0, 4.0,
     1},
    {"XNOR2", "2-input XNOR", 10, {{"A", 2.0}, {"B", 2.0}}, "!(A^B)", "~(A ^ B)", "non_unate", 4.0,
     4.0, 1},
};

// The flip-flop: master-slave, rising edge, asynchronous active-low clear.
constexpr int kDffTransistors = 28;
constexpr double kDffEffortD = 1.0, kDffEffortCK = 1.0, kDffEffortRN = 2.0;
constexpr double kDffClkToQ = 20.0;     // tau, CK -> Q
constexpr double kDffClearToQ = 12.0;   // tau, RN falling -> Q falling
constexpr double kDffSetup = 10.0;      // tau
constexpr double kDffHold = 2.0;        // tau
constexpr double kDffRecovery = 8.0;    // tau, RN rising before CK
constexpr double kDffRemoval = 3.0;     // tau, RN rising after CK
constexpr double kDffMinPulse = 15.0;   // tau, CK high/low and RN low
constexpr double kDffInternalCap = 2.0; // internal switched capacitance per CK edge, units of kCinv
constexpr double kDffQCap = 4.0;        // extra internal capacitance switched when Q toggles

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

double area_of(int transistors) { return (transistors / 2 + 1) * kAreaPerPitch; }

std::string index_line(const std::vector<double>& v) {
  std::string s = "\"";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + num(v[i]);
  return s + "\"";
}

// A 5x5 table (input slew rows x load columns) of f(slew, load).
template <class F>
void table(std::ostream& o, const std::string& indent, const std::string& group,
           const std::string& tmpl, F f) {
  o << indent << group << " (" << tmpl << ") {\n";
  o << indent << "  values ( \\\n";
  for (std::size_t i = 0; i < kSlewIndex.size(); ++i) {
    o << indent << "    \"";
    for (std::size_t j = 0; j < kLoadIndex.size(); ++j)
      o << (j ? ", " : "") << num(f(kSlewIndex[i], kLoadIndex[j]));
    o << "\"" << (i + 1 < kSlewIndex.size() ? ", \\" : " \\") << "\n";
  }
  o << indent << "  );\n" << indent << "}\n";
}

void scalar(std::ostream& o, const std::string& indent, const std::string& group, double v) {
  o << indent << group << " (scalar) { values (\"" << num(v) << "\"); }\n";
}

// delay = p*tau + R*C + k*slew; transition = 2*R*(C + p_out*Cinv) + k'*slew
struct Drive {
  double parasitic, output_parasitic;
  int stages;
  double rise_delay(double s, double c) const {
    return parasitic * kTauRise + kRrise * c + (stages == 1 ? kSlewToDelay1 : kSlewToDelay2) * s;
  }
  double fall_delay(double s, double c) const {
    return parasitic * kTauFall + kRfall * c + (stages == 1 ? kSlewToDelay1 : kSlewToDelay2) * s;
  }
  double rise_slew(double s, double c) const {
    return 2 * kRrise * (c + output_parasitic * kCinv) + (stages == 1 ? kSlewToSlew1 : 0.0) * s;
  }
  double fall_slew(double s, double c) const {
    return 2 * kRfall * (c + output_parasitic * kCinv) + (stages == 1 ? kSlewToSlew1 : 0.0) * s;
  }
};

void delay_tables(std::ostream& o, const std::string& in, const Drive& d, bool rise, bool fall) {
  if (rise) table(o, in, "cell_rise", "delay_5x5", [&](double s, double c) { return d.rise_delay(s, c); });
  if (fall) table(o, in, "cell_fall", "delay_5x5", [&](double s, double c) { return d.fall_delay(s, c); });
  if (rise) table(o, in, "rise_transition", "delay_5x5", [&](double s, double c) { return d.rise_slew(s, c); });
  if (fall) table(o, in, "fall_transition", "delay_5x5", [&](double s, double c) { return d.fall_slew(s, c); });
}

// Energy per output transition: the cell's internal (parasitic) capacitance
// charged to VDD plus a short-circuit term growing with input slew.
void power_tables(std::ostream& o, const std::string& in, double internal_cap_units) {
  auto energy = [&](double s, double) {
    return internal_cap_units * kCinv * kVdd * kVdd + kShortCircuit * s;
  };
  table(o, in, "rise_power", "power_5x5", energy);
  table(o, in, "fall_power", "power_5x5", energy);
}

void input_pin(std::ostream& o, const std::string& name, double effort, bool clock = false) {
  o << "    pin (" << name << ") {\n";
  o << "      direction : input;\n";
  if (clock) o << "      clock : true;\n";
  o << "      capacitance : " << num(effort * kCinv) << ";\n";
  o << "      rise_capacitance : " << num(effort * kCinv) << ";\n";
  o << "      fall_capacitance : " << num(effort * kCinv) << ";\n";
}

void write_gate(std::ostream& o, const Gate& g) {
  o << "  /* " << g.doc << ": " << g.transistors << " transistors, logical effort "
    << num(g.inputs[0].effort) << ", parasitic delay " << num(g.parasitic) << " tau */\n";
  o << "  cell (" << g.name << ") {\n";
  o << "    area : " << num(area_of(g.transistors)) << ";\n";
  o << "    flowrun_transistors : " << g.transistors << ";\n";
  o << "    cell_leakage_power : " << num(kLeakPerTransistor * g.transistors) << ";\n";
  for (const auto& p : g.inputs) {
    input_pin(o, p.name, p.effort);
    o << "    }\n";
  }
  o << "    pin (Y) {\n";
  o << "      direction : output;\n";
  o << "      function : \"" << g.function << "\";\n";
  o << "      max_capacitance : " << num(kMaxCap) << ";\n";
  Drive d{g.parasitic, g.output_parasitic, g.stages};
  for (const auto& p : g.inputs) {
    o << "      timing () {\n";
    o << "        related_pin : \"" << p.name << "\";\n";
    o << "        timing_sense : " << g.sense << ";\n";
    delay_tables(o, "        ", d, true, true);
    o << "      }\n";
  }
  for (const auto& p : g.inputs) {
    o << "      internal_power () {\n";
    o << "        related_pin : \"" << p.name << "\";\n";
    power_tables(o, "        ", g.parasitic);
    o << "      }\n";
  }
  o << "    }\n  }\n\n";
}

void constraint(std::ostream& o, const std::string& related, const std::string& type, double tau) {
  o << "      timing () {\n";
  o << "        related_pin : \"" << related << "\";\n";
  o << "        timing_type : " << type << ";\n";
  scalar(o, "        ", "rise_constraint", tau * kTauRise);
  scalar(o, "        ", "fall_constraint", tau * kTauFall);
  o << "      }\n";
}

void write_dff(std::ostream& o) {
  o << "  /* D flip-flop, rising edge, asynchronous active-low clear (RN): "
    << kDffTransistors << " transistors */\n";
  o << "  cell (DFFR) {\n";
  o << "    area : " << num(area_of(kDffTransistors)) << ";\n";
  o << "    flowrun_transistors : " << kDffTransistors << ";\n";
  o << "    cell_leakage_power : " << num(kLeakPerTransistor * kDffTransistors) << ";\n";
  o << "    ff (IQ, IQN) {\n";
  o << "      next_state : \"D\";\n";
  o << "      clocked_on : \"CK\";\n";
  o << "      clear : \"!RN\";\n";
  o << "    }\n";
  input_pin(o, "D", kDffEffortD);
  constraint(o, "CK", "setup_rising", kDffSetup);
  constraint(o, "CK", "hold_rising", kDffHold);
  o << "    }\n";
  input_pin(o, "CK", kDffEffortCK, true);
  o << "      min_pulse_width_high : " << num(kDffMinPulse * kTauRise) << ";\n";
  o << "      min_pulse_width_low : " << num(kDffMinPulse * kTauRise) << ";\n";
  o << "      internal_power () {\n";
  scalar(o, "        ", "rise_power", kDffInternalCap * kCinv * kVdd * kVdd);
  scalar(o, "        ", "fall_power", kDffInternalCap * kCinv * kVdd * kVdd);
  o << "      }\n";
  o << "    }\n";
  input_pin(o, "RN", kDffEffortRN);
  o << "      min_pulse_width_low : " << num(kDffMinPulse * kTauRise) << ";\n";
  constraint(o, "CK", "recovery_rising", kDffRecovery);
  constraint(o, "CK", "removal_rising", kDffRemoval);
  o << "    }\n";
  o << "    pin (Q) {\n";
  o << "      direction : output;\n";
  o << "      function : \"IQ\";\n";
  o << "      max_capacitance : " << num(kMaxCap) << ";\n";
  Drive clk{kDffClkToQ, 1.0, 2};
  o << "      timing () {\n";
  o << "        related_pin : \"CK\";\n";
  o << "        timing_type : rising_edge;\n";
  o << "        timing_sense : non_unate;\n";
  delay_tables(o, "        ", clk, true, true);
  o << "      }\n";
  Drive clr{kDffClearToQ, 1.0, 2};
  o << "      timing () {\n";
  o << "        related_pin : \"RN\";\n";
  o << "        timing_type : clear;\n";
  o << "        timing_sense : positive_unate;\n";
  delay_tables(o, "        ", clr, false, true);
  o << "      }\n";
  o << "      internal_power () {\n";
  o << "        related_pin : \"CK\";\n";
  power_tables(o, "        ", kDffQCap);
  o << "      }\n";
  o << "    }\n  }\n";
}

void write_liberty(std::ostream& o) {
  o << "/*\n"
       " * flowrun_cells: flowrun's own open standard-cell library.\n"
       " * GENERATED by cells/generate_cells.cpp -- do not edit; regenerate.\n"
       " * Models a generic 45 nm-class bulk CMOS process at VDD = "
    << num(kVdd)
    << " V, 25 C,\n"
       " * typical corner. Every number comes from the model documented in\n"
       " * cells/README.md: delay = p*tau + R*C_load + k*slew, with\n"
       " * tau = R*C_inv, C_inv = "
    << num(kCinv) << " pF, R_rise = " << num(kRrise) << " kOhm, R_fall = " << num(kRfall)
    << " kOhm.\n"
       " * No wire-load model: loads are pin capacitances only.\n"
       " */\n";
  o << "library (flowrun_cells) {\n";
  o << "  comment : \"flowrun generic 45nm-class library, generated by cells/generate_cells.cpp\";\n";
  o << "  delay_model : table_lookup;\n";
  o << "  time_unit : \"1ns\";\n";
  o << "  voltage_unit : \"1V\";\n";
  o << "  current_unit : \"1mA\";\n";
  o << "  pulling_resistance_unit : \"1kohm\";\n";
  o << "  leakage_power_unit : \"1nW\";\n";
  o << "  capacitive_load_unit (1, pf);\n";
  o << "  nom_process : 1;\n";
  o << "  nom_voltage : " << num(kVdd) << ";\n";
  o << "  nom_temperature : 25;\n";
  o << "  operating_conditions (typical) {\n";
  o << "    process : 1;\n    voltage : " << num(kVdd) << ";\n    temperature : 25;\n";
  o << "    tree_type : balanced_tree;\n  }\n";
  o << "  default_operating_conditions : typical;\n";
  o << "  input_threshold_pct_rise : 50;\n  input_threshold_pct_fall : 50;\n";
  o << "  output_threshold_pct_rise : 50;\n  output_threshold_pct_fall : 50;\n";
  o << "  slew_lower_threshold_pct_rise : 10;\n  slew_upper_threshold_pct_rise : 90;\n";
  o << "  slew_lower_threshold_pct_fall : 10;\n  slew_upper_threshold_pct_fall : 90;\n";
  o << "  slew_derate_from_library : 1;\n";
  o << "  default_max_transition : " << num(kSlewIndex.back()) << ";\n";
  o << "  default_input_pin_cap : " << num(kCinv) << ";\n";
  o << "  default_output_pin_cap : 0;\n";
  o << "  default_inout_pin_cap : " << num(kCinv) << ";\n";
  o << "  default_fanout_load : 1;\n";
  o << "  default_cell_leakage_power : 0;\n";
  o << "  default_leakage_power_density : 0;\n";
  o << "  define (flowrun_transistors, cell, integer);\n\n";
  o << "  lu_table_template (delay_5x5) {\n";
  o << "    variable_1 : input_net_transition;\n";
  o << "    variable_2 : total_output_net_capacitance;\n";
  o << "    index_1 (" << index_line(kSlewIndex) << ");\n";
  o << "    index_2 (" << index_line(kLoadIndex) << ");\n  }\n";
  o << "  power_lut_template (power_5x5) {\n";
  o << "    variable_1 : input_transition_time;\n";
  o << "    variable_2 : total_output_net_capacitance;\n";
  o << "    index_1 (" << index_line(kSlewIndex) << ");\n";
  o << "    index_2 (" << index_line(kLoadIndex) << ");\n  }\n\n";
  for (const auto& g : kGates) write_gate(o, g);
  write_dff(o);
  o << "}\n";
}

void write_verilog(std::ostream& o) {
  o << "// flowrun_cells: Verilog models of flowrun's standard cells for\n"
       "// gate-level simulation (zero delay, no `timescale, so they take the\n"
       "// testbench's). GENERATED by cells/generate_cells.cpp together with\n"
       "// flowrun_cells.lib -- do not edit; regenerate.\n"
       "// One file holds every cell, so Verilator's file-name rule is off here.\n"
       "/* verilator lint_off DECLFILENAME */\n\n";
  for (const auto& g : kGates) {
    o << "// " << g.doc << ": Y = " << g.function << "\n";
    o << "module " << g.name << " (";
    for (const auto& p : g.inputs) o << p.name << ", ";
    o << "Y);\n";
    for (const auto& p : g.inputs) o << "  input " << p.name << ";\n";
    o << "  output Y;\n";
    o << "  assign Y = " << g.verilog << ";\n";
    o << "endmodule\n\n";
  }
  o << "// D flip-flop, rising edge, asynchronous active-low clear: Q is 0 while\n"
       "// RN is low (so a reset design has no X after reset), else takes D on\n"
       "// the rising edge of CK.\n";
  o << "module DFFR (D, CK, RN, Q);\n"
       "  input D, CK, RN;\n"
       "  output reg Q;\n"
       "  always @(posedge CK or negedge RN)\n"
       "    if (!RN) Q <= 1'b0;\n"
       "    else Q <= D;\n"
       "endmodule\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: flowrun_cellgen OUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ofstream lib(dir + "/flowrun_cells.lib", std::ios::binary);
  std::ofstream v(dir + "/flowrun_cells.v", std::ios::binary);
  if (!lib || !v) {
    std::cerr << "flowrun_cellgen: cannot write into " << dir << "\n";
    return 1;
  }
  write_liberty(lib);
  write_verilog(v);
  lib.close();
  v.close();
  if (!lib || !v) {
    std::cerr << "flowrun_cellgen: write error in " << dir << "\n";
    return 1;
  }
  return 0;
}
