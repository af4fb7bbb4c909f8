// Single-port SRAM macros for generated accelerators: a behavioural
// Verilog model for simulation and a Liberty area/timing/power model for
// synthesis (the macro stays a black box: Yosys never flattens megabits
// into flip-flops) and static timing.
//
// Every macro has the same ports:
//   input            clk
//   input            ce      access enable
//   input            we      write enable (with ce)
//   input  [A-1:0]   addr    A = max(1, ceil(log2(depth)))
//   input  [W-1:0]   din
//   output [W-1:0]   dout    synchronous read: valid the cycle after a read
//                            (ce && !we); holds its value otherwise
// The model loads `init_file` with $readmemh at time 0 from the folder
// `FLOWRUN_TBDIR (the testbench folder the simulation stages define),
// so ROM contents (weights) travel with the testbench.
#pragma once

#include <string>
#include <vector>

namespace flowrun::sram {

struct Macro {
  std::string name;       // module and Liberty cell name, a legal identifier
  int depth = 0;          // words
  int width = 0;          // bits per word
  std::string init_file;  // hex file name under `FLOWRUN_TBDIR, or empty
  std::string comment;    // what the macro holds (written into the model)
  int address_bits() const;
};

// The technology numbers the cost formula uses (documented defaults in
// docs/eda-stages.md, "SRAM macros"). The array is organised as `rows`
// word lines by `columns` bit-line pairs with a column multiplexer of
// `mux` (see cost()).
struct Tech {
  double bitcell_area_um2 = 0;   // filled by default_tech()
  double periphery_area_um2 = 0; // control, clock generator, address latches
  double row_area_um2 = 0;       // per word line (decoder + driver)
  double column_area_um2 = 0;    // per bit line pair (sense amp + mux)
  double access_base_ns = 0;
  double access_per_log2_depth_ns = 0;
  double setup_ns = 0;
  double hold_ns = 0;
  double read_energy_per_bit_pj = 0;
  double leakage_per_bit_nw = 0;
  double pin_capacitance_pf = 0;
  // Additions to the lead's first draft (all filled by default_tech()):
  double io_area_per_bit_um2 = 0;       // per data bit: sense amp, din/dout latches
  double access_per_row_ns = 0;         // bit-line discharge, per cell on a bit line
  double access_per_column_ns = 0;      // word-line RC, per cell on a word line
  double access_energy_base_pj = 0;     // decoder, control, clock per access
  double bitline_energy_per_cell_pj = 0;   // per cell on every swinging bit line
  double wordline_energy_per_column_pj = 0;
  double leakage_base_nw = 0;           // periphery
  double leakage_per_line_nw = 0;       // per word line driver and per column
  double clock_capacitance_pf = 0;
  double output_resistance_rise_kohm = 0;  // dout driver
  double output_resistance_fall_kohm = 0;
  double min_pulse_width_ns = 0;        // clk high and low
  // Large macros are split into banks of at most this many word lines
  // (long bit lines are slow and costly); one bank is active per access.
  int max_rows_per_bank = 0;
  double access_per_bank_doubling_ns = 0;    // global address/data routing
  double energy_per_bank_doubling_pj = 0;
};
Tech default_tech();

struct MacroCost {
  double area_um2 = 0;
  double access_ns = 0;      // clk -> dout (no output load, ideal clock edge)
  double setup_ns = 0;
  double energy_per_access_pj = 0;
  double leakage_uw = 0;
  // The physical organisation the numbers were computed for.
  int mux = 1;               // column multiplexer: words per row
  int rows = 0;              // ceil(depth / mux) word lines, all banks
  int columns = 0;           // width * mux bit-line pairs per bank
  int banks = 1;             // ceil(rows / max_rows_per_bank)
  int rows_per_bank = 0;     // ceil(rows / banks)
};
// Throws std::invalid_argument for a macro with depth < 1, width < 1, a
// name that is not a Verilog/Liberty identifier, or an init_file name
// that cannot be written into a Verilog string.
MacroCost cost(const Macro& m, const Tech& tech);

// The behavioural model of one macro (a complete Verilog-2005 module,
// `verilator --lint-only -Wall` clean).
std::string verilog_model(const Macro& m);
// A Liberty library holding one cell per macro (area, bus pins with setup
// and hold against clk rising, clk -> dout rising_edge arcs, internal
// energy per access on clk when ce, leakage). Read by Yosys 0.23
// (`read_liberty -lib`) and OpenSTA. Macro names must be unique.
std::string liberty(const std::string& library_name, const std::vector<Macro>& macros,
                    const Tech& tech);

}  // namespace flowrun::sram
