// Single-port SRAM macros: cost model, behavioural Verilog, Liberty.
// The numbers and formulas are documented in docs/eda-stages.md
// ("SRAM macros"); keep the two in step.
#include <flowrun_sram/sram.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace flowrun::sram {
namespace {

// Verilog-2005 reserved words: a macro named like one would not parse.
constexpr std::string_view kKeywords[] = {
    "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case", "casex",
    "casez", "cell", "cmos", "config", "deassign", "default", "defparam", "design", "disable",
    "edge", "else", "end", "endcase", "endconfig", "endfunction", "endgenerate", "endmodule",
    "endprimitive", "endspecify", "endtable", "endtask", "event", "for", "force", "forever",
    "fork", "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone", "incdir",
    "include", "initial", "inout", "input", "instance", "integer", "join", "large", "liblist",
    "library", "localparam", "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor",
    "noshowcancelled", "not", "notif0", "notif1", "or", "output", "parameter", "pmos", "posedge",
    "primitive", "pull0", "pull1", "pulldown", "pullup", "pulsestyle_onevent",
    "pulsestyle_ondetect", "rcmos", "real", "realtime", "reg", "release", "repeat", "rnmos",
    "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled", "signed", "small",
    "specify", "specparam", "strong0", "strong1", "supply0", "supply1", "table", "task", "time",
    "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "unsigned",
    "use", "uwire", "vectored", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor",
    "xor"};

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !digit(c)) return false;
  for (auto k : kKeywords)
    if (s == k) return false;
  return true;
}

void check(const Macro& m) {
  const std::string who = "sram macro '" + m.name + "'";
  if (!is_identifier(m.name))
    throw std::invalid_argument(who + ": the name must be a Verilog identifier "
                                "([A-Za-z_][A-Za-z0-9_]*, not a keyword)");
  if (m.depth < 1) throw std::invalid_argument(who + ": depth must be >= 1, got " + std::to_string(m.depth));
  if (m.width < 1) throw std::invalid_argument(who + ": width must be >= 1, got " + std::to_string(m.width));
  // The name goes into a Verilog string literal after `FLOWRUN_TBDIR.
  for (char c : m.init_file)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw std::invalid_argument(who + ": init_file '" + m.init_file +
                                  "' may not contain quotes, backslashes or control characters");
  if (!m.init_file.empty() && m.init_file.front() == '/')
    throw std::invalid_argument(who + ": init_file '" + m.init_file +
                                "' must be relative to the testbench folder");
}

// Fixed, locale-independent number text (the Liberty and the models must
// be byte-identical run to run).
std::string num(double v) {
  char buf[40];
  if (std::abs(v) < 5e-13) v = 0;  // no "-0"
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The column-multiplexer factor: a power of two up to 32 (and at most the
// depth) that brings the array closest to square in cells, the smaller
// one on a tie. A tall thin array has long bit lines (slow, energy per
// access grows with the rows); a wide one wastes word-line energy.
int choose_mux(int depth, int width) {
  int best = 1;
  long long best_diff = -1;
  for (int m = 1; m <= 32 && m <= depth; m *= 2) {
    const long long rows = (depth + m - 1) / m;
    const long long cols = static_cast<long long>(width) * m;
    const long long diff = rows > cols ? rows - cols : cols - rows;
    if (best_diff < 0 || diff < best_diff) {
      best = m;
      best_diff = diff;
    }
  }
  return best;
}

// Liberty bus types are named by width; one per distinct width.
std::string bus_type(int width) { return "flowrun_sram_bus" + std::to_string(width); }

constexpr double kSlews[] = {0.005, 0.02, 0.06, 0.15, 0.4};       // ns, as flowrun_cells
constexpr double kLoads[] = {0.0008, 0.0032, 0.008, 0.02, 0.05};  // pF
constexpr double kUnitInverterPf = 0.0016;  // flowrun_cells' C_inv
constexpr double kClockSlewFactor = 0.1;    // clk slew -> later sense timing

void table(std::ostringstream& o, const char* group, double base, double r_kohm, double slew_k,
           double par_pf, bool transition) {
  o << "        " << group << " (flowrun_sram_delay_5x5) {\n          values ( \\\n";
  for (int i = 0; i < 5; ++i) {
    o << "            \"";
    for (int j = 0; j < 5; ++j) {
      // Delay: access + R*C + k*slew. Transition: 2*R*(C + own diffusion),
      // the single-pole 10-90 % edge of flowrun_cells' model.
      const double v = transition ? 2.0 * r_kohm * (kLoads[j] + par_pf)
                                  : base + r_kohm * kLoads[j] + slew_k * kSlews[i];
      o << num(v) << (j < 4 ? ", " : "");
    }
    o << "\"" << (i < 4 ? ", \\\n" : " \\\n");
  }
  o << "          );\n        }\n";
}

void constraints(std::ostringstream& o, const MacroCost& c, const Tech& t) {
  o << "      timing () {\n"
       "        related_pin : \"clk\";\n"
       "        timing_type : setup_rising;\n"
       "        rise_constraint (scalar) { values (\"" << num(c.setup_ns) << "\"); }\n"
       "        fall_constraint (scalar) { values (\"" << num(c.setup_ns) << "\"); }\n"
       "      }\n"
       "      timing () {\n"
       "        related_pin : \"clk\";\n"
       "        timing_type : hold_rising;\n"
       "        rise_constraint (scalar) { values (\"" << num(t.hold_ns) << "\"); }\n"
       "        fall_constraint (scalar) { values (\"" << num(t.hold_ns) << "\"); }\n"
       "      }\n";
}

void input_pin(std::ostringstream& o, const char* kind, const std::string& name, int width,
               const MacroCost& c, const Tech& t) {
  o << "    " << kind << " (" << name << ") {\n";
  if (std::string_view(kind) == "bus") o << "      bus_type : " << bus_type(width) << ";\n";
  o << "      direction : input;\n"
       "      capacitance : " << num(t.pin_capacitance_pf) << ";\n";
  constraints(o, c, t);
  o << "    }\n";
}

}  // namespace

int Macro::address_bits() const {
  int bits = 0;
  while (bits < 31 && (1LL << bits) < depth) ++bits;
  return std::max(1, bits);
}

Tech default_tech() {
  Tech t;
  // Area (µm², generic 45 nm-class like flowrun_cells): a high-density 6T
  // cell drawn with SRAM push rules is ~0.35 µm² (flowrun's DFFR, 3.99 µm²,
  // is 11x larger per bit).
  t.bitcell_area_um2 = 0.35;
  t.periphery_area_um2 = 150.0;  // control, clock generator, address latches, replica timing
  t.row_area_um2 = 2.5;          // pre-decoded NAND + word-line driver on a 0.5 µm row pitch
  t.column_area_um2 = 6.0;       // precharge, column mux, write driver on a 0.7 µm pitch
  t.io_area_per_bit_um2 = 10.0;  // sense amplifier, dout latch, din latch per data bit
  // Access (ns): clock buffer + sense timing + output driver, one decoder
  // level (about one FO4 ≈ 20 ps in flowrun_cells plus wire) per address
  // bit, bit-line discharge (0.25 fF per cell, 0.1 V swing, ~20 µA cell
  // current: 1.25 ps per cell on the bit line), word-line RC.
  t.access_base_ns = 0.30;
  t.access_per_log2_depth_ns = 0.025;
  t.access_per_row_ns = 0.00125;
  t.access_per_column_ns = 0.0002;
  t.setup_ns = 0.10;  // address/data latch setup, ~2x a DFFR's
  t.hold_ns = 0.03;
  // Energy (pJ at 1.1 V): every column of the selected row swings its bit
  // line by ~0.2 V (0.25 fF x 1.1 V x 0.2 V = 0.055 fJ per cell on it),
  // the word line charges two access gates per column, and each data bit
  // fires a sense amplifier and an output latch.
  t.access_energy_base_pj = 0.2;
  t.bitline_energy_per_cell_pj = 0.000055;
  t.wordline_energy_per_column_pj = 0.0003;
  t.read_energy_per_bit_pj = 0.015;
  // Leakage (nW): high-Vt cells leak ~1/10 of flowrun_cells' 2.5 nW per
  // logic transistor: 6 x 0.25 = 1.5 nW per bit; drivers and sense
  // amplifiers 10 nW per row/column; 250 nW of control logic.
  t.leakage_per_bit_nw = 1.5;
  t.leakage_per_line_nw = 10.0;
  t.leakage_base_nw = 250.0;
  // Pins: inputs drive a latch (2 unit inverter loads), clk the macro's
  // internal clock buffer (5); dout is driven like a 4x inverter.
  t.pin_capacitance_pf = 2 * kUnitInverterPf;
  t.clock_capacitance_pf = 5 * kUnitInverterPf;
  t.output_resistance_rise_kohm = 2.8 / 4;
  t.output_resistance_fall_kohm = 2.2 / 4;
  t.min_pulse_width_ns = 0.25;
  // Banking: 512 word lines per bank at most; each doubling of the bank
  // count adds a level of global routing (~2.5 FO4) and its wire energy.
  t.max_rows_per_bank = 512;
  t.access_per_bank_doubling_ns = 0.05;
  t.energy_per_bank_doubling_pj = 0.1;
  return t;
}

MacroCost cost(const Macro& m, const Tech& t) {
  check(m);
  MacroCost c;
  c.mux = choose_mux(m.depth, m.width);
  c.rows = (m.depth + c.mux - 1) / c.mux;
  c.columns = m.width * c.mux;
  const int max_rows = std::max(1, t.max_rows_per_bank);
  c.banks = (c.rows + max_rows - 1) / max_rows;
  c.rows_per_bank = (c.rows + c.banks - 1) / c.banks;
  const double bits = static_cast<double>(m.depth) * m.width;
  const double bank_levels = std::log2(static_cast<double>(c.banks));
  // Every bank has its own column circuitry; word-line drivers exist per
  // row in any case; sense/IO latches once per data bit.
  c.area_um2 = t.periphery_area_um2 + bits * t.bitcell_area_um2 + c.rows * t.row_area_um2 +
               static_cast<double>(c.banks) * c.columns * t.column_area_um2 + m.width * t.io_area_per_bit_um2;
  c.access_ns = t.access_base_ns + t.access_per_log2_depth_ns * std::log2(static_cast<double>(m.depth)) +
                t.access_per_row_ns * c.rows_per_bank + t.access_per_column_ns * c.columns +
                t.access_per_bank_doubling_ns * bank_levels;
  c.setup_ns = t.setup_ns;
  // One bank is active: its word line and every bit line of it swing.
  c.energy_per_access_pj = t.access_energy_base_pj +
                           c.columns * (c.rows_per_bank * t.bitline_energy_per_cell_pj + t.wordline_energy_per_column_pj) +
                           m.width * t.read_energy_per_bit_pj + t.energy_per_bank_doubling_pj * bank_levels;
  c.leakage_uw = (bits * t.leakage_per_bit_nw +
                  (c.rows + static_cast<double>(c.banks) * c.columns) * t.leakage_per_line_nw + t.leakage_base_nw) /
                 1000.0;
  return c;
}

std::string verilog_model(const Macro& m) {
  check(m);
  const int a = m.address_bits();
  std::ostringstream o;
  o << "// " << m.name << ": single-port SRAM macro, " << m.depth << " words x " << m.width
    << " bits.\n"
       "// Behavioural model written by flowrun_sram (plugins/common/sram); synthesis\n"
       "// keeps the macro a black box (its Liberty cell), so this is for simulation.\n";
  if (!m.comment.empty()) {
    std::istringstream lines(m.comment);
    std::string line;
    while (std::getline(lines, line)) o << "// " << line << "\n";
  }
  o << "// Synchronous read: dout is valid the cycle after a read (ce && !we) and\n"
       "// holds its value otherwise; a write (ce && we) stores din at addr.\n";
  if (!m.init_file.empty())
    o << "// Contents at time 0: " << m.init_file
      << " ($readmemh) in the testbench folder `FLOWRUN_TBDIR.\n";
  o << "module " << m.name << " (\n"
    << "    input  wire clk,\n"
    << "    input  wire ce,\n"
    << "    input  wire we,\n"
    << "    input  wire [" << a - 1 << ":0] addr,\n"
    << "    input  wire [" << m.width - 1 << ":0] din,\n"
    << "    output reg  [" << m.width - 1 << ":0] dout\n"
    << ");\n"
    << "  reg [" << m.width - 1 << ":0] mem [0:" << m.depth - 1 << "];\n";
  if (!m.init_file.empty())
    o << "`ifdef FLOWRUN_TBDIR\n"
         "  initial $readmemh({`FLOWRUN_TBDIR, \"" << m.init_file << "\"}, mem);\n"
         "`endif\n";
  // A one-word macro still has a 1-bit address (the port list is the same
  // for every macro); it selects nothing.
  const std::string index = m.depth == 1 ? "0" : "addr";
  if (m.depth == 1)
    o << "  wire unused_addr = addr[0];  // one word: the address selects nothing\n";
  // The write is blocking: only this block reads mem, never in a cycle that
  // writes it, so the result is that of `<=`, and Verilator stores the word
  // directly instead of queueing a delayed array write every clock edge
  // (20 % fewer instructions per cycle on the F = 16 CNN accelerator's 209
  // banks).
  o << "  always @(posedge clk) begin\n"
       "    if (ce) begin\n"
       "      /* verilator lint_off BLKSEQ */\n"
       "      if (we) mem[" << index << "] = din;  // mem is read only here, never in the same cycle\n"
       "      /* verilator lint_on BLKSEQ */\n"
       "      else dout <= mem[" << index << "];\n"
       "    end\n"
       "  end\n"
       "endmodule\n";
  return o.str();
}

std::string liberty(const std::string& library_name, const std::vector<Macro>& macros,
                    const Tech& t) {
  if (!is_identifier(library_name))
    throw std::invalid_argument("sram liberty: library name '" + library_name +
                                "' must be an identifier");
  std::set<std::string> names;
  std::set<int> widths;
  for (const auto& m : macros) {
    check(m);
    if (!names.insert(m.name).second)
      throw std::invalid_argument("sram liberty: macro '" + m.name + "' appears twice");
    widths.insert(m.width);
    widths.insert(m.address_bits());
  }
  std::ostringstream o;
  o << "/*\n"
       " * " << library_name << ": SRAM macros written by flowrun_sram (plugins/common/sram).\n"
       " * ESTIMATES from the cost model in docs/eda-stages.md (\"SRAM macros\"),\n"
       " * consistent with flowrun_cells (generic 45 nm-class, 1.1 V, 25 C);\n"
       " * not a silicon-characterised macro.\n"
       " */\n"
       "library (" << library_name << ") {\n"
       "  delay_model : table_lookup;\n"
       "  time_unit : \"1ns\";\n"
       "  voltage_unit : \"1V\";\n"
       "  current_unit : \"1mA\";\n"
       "  pulling_resistance_unit : \"1kohm\";\n"
       "  leakage_power_unit : \"1nW\";\n"
       "  capacitive_load_unit (1, pf);\n"
       "  nom_process : 1;\n"
       "  nom_voltage : 1.1;\n"
       "  nom_temperature : 25;\n"
       "  operating_conditions (typical) {\n"
       "    process : 1;\n"
       "    voltage : 1.1;\n"
       "    temperature : 25;\n"
       "    tree_type : balanced_tree;\n"
       "  }\n"
       "  default_operating_conditions : typical;\n"
       "  input_threshold_pct_rise : 50;\n"
       "  input_threshold_pct_fall : 50;\n"
       "  output_threshold_pct_rise : 50;\n"
       "  output_threshold_pct_fall : 50;\n"
       "  slew_lower_threshold_pct_rise : 10;\n"
       "  slew_upper_threshold_pct_rise : 90;\n"
       "  slew_lower_threshold_pct_fall : 10;\n"
       "  slew_upper_threshold_pct_fall : 90;\n"
       "  slew_derate_from_library : 1;\n"
       "  default_max_transition : 0.4;\n"
       "  lu_table_template (flowrun_sram_delay_5x5) {\n"
       "    variable_1 : input_net_transition;\n"
       "    variable_2 : total_output_net_capacitance;\n"
       "    index_1 (\"0.005, 0.02, 0.06, 0.15, 0.4\");\n"
       "    index_2 (\"0.0008, 0.0032, 0.008, 0.02, 0.05\");\n"
       "  }\n";
  for (int w : widths)
    o << "  type (" << bus_type(w) << ") {\n"
         "    base_type : array;\n"
         "    data_type : bit;\n"
         "    bit_width : " << w << ";\n"
         "    bit_from : " << w - 1 << ";\n"
         "    bit_to : 0;\n"
         "    downto : true;\n"
         "  }\n";
  const double par_pf = 4 * kUnitInverterPf;  // the 4x output driver's own diffusion
  for (const auto& m : macros) {
    const MacroCost c = cost(m, t);
    o << "\n  /* " << m.depth << " x " << m.width << ": mux " << c.mux << ", " << c.banks << " bank(s) of "
      << c.rows_per_bank << " rows x " << c.columns << " columns; access " << num(c.access_ns) << " ns, " << num(c.energy_per_access_pj)
      << " pJ per access */\n"
      << "  cell (" << m.name << ") {\n"
      << "    area : " << num(c.area_um2) << ";\n"
      << "    is_macro_cell : true;\n"
      << "    dont_touch : true;\n"
      << "    dont_use : true;\n"
      << "    cell_leakage_power : " << num(c.leakage_uw * 1000.0) << ";\n"
      << "    pin (clk) {\n"
      << "      direction : input;\n"
      << "      clock : true;\n"
      << "      capacitance : " << num(t.clock_capacitance_pf) << ";\n"
      << "      min_pulse_width_high : " << num(t.min_pulse_width_ns) << ";\n"
      << "      min_pulse_width_low : " << num(t.min_pulse_width_ns) << ";\n"
      // One access per rising clock edge with ce high (read or write).
      << "      internal_power () {\n"
      << "        when : \"ce\";\n"
      << "        rise_power (scalar) { values (\"" << num(c.energy_per_access_pj) << "\"); }\n"
      << "        fall_power (scalar) { values (\"0\"); }\n"
      << "      }\n"
      << "    }\n";
    input_pin(o, "pin", "ce", 1, c, t);
    input_pin(o, "pin", "we", 1, c, t);
    input_pin(o, "bus", "addr", m.address_bits(), c, t);
    input_pin(o, "bus", "din", m.width, c, t);
    o << "    bus (dout) {\n"
      << "      bus_type : " << bus_type(m.width) << ";\n"
      << "      direction : output;\n"
      << "      max_capacitance : 0.05;\n"
      << "      timing () {\n"
      << "        related_pin : \"clk\";\n"
      << "        timing_type : rising_edge;\n"
      << "        timing_sense : non_unate;\n";
    table(o, "cell_rise", c.access_ns, t.output_resistance_rise_kohm, kClockSlewFactor, par_pf, false);
    table(o, "cell_fall", c.access_ns, t.output_resistance_fall_kohm, kClockSlewFactor, par_pf, false);
    table(o, "rise_transition", 0, t.output_resistance_rise_kohm, 0, par_pf, true);
    table(o, "fall_transition", 0, t.output_resistance_fall_kohm, 0, par_pf, true);
    o << "      }\n"
      << "    }\n"
      << "  }\n";
  }
  o << "}\n";
  return o.str();
}

}  // namespace flowrun::sram
