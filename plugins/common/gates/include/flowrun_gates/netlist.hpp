// flowrun_gates: a flat, combinational gate-level netlist over a Liberty
// cell library, as read from structural Verilog (Yosys `write_verilog
// -noattr`), evaluated exhaustively and written back as Verilog.
//
// Representation (relied on by approx.ga; keep it stable):
//   * Every one-bit value is a *signal id* (int):
//       0            constant 0
//       1            constant 1
//       2 ..         primary-input bits: input ports in declaration order,
//                    each port's bits LSB first
//       then         gate outputs: gates[i].output == first_gate_signal() + i
//     so num_signals == first_gate_signal() + gates.size().
//   * gates are in topological order: every input of gates[i] is a constant,
//     a primary-input bit or the output of some gates[j] with j < i.
//   * Gate::inputs are ordered like the cell's input pins in
//     Netlist::cells.at(cell).inputs, which is also the bit order of that
//     cell's truth table (inputs[0] = least significant bit of the row index).
//   * Output-port bits may be any signal (a constant, an input bit or a gate
//     output); `assign` statements of the source are resolved away.
//   * Netlist::cells holds every combinational cell of the library the
//     netlist was read with (not just the cells used), so a netlist can be
//     rewritten with other cells of that library and written back without
//     the library at hand.
#pragma once

#include <flowrun/stage.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::liberty {
struct Library;
}

namespace flowrun::gates {

inline constexpr int kConst0 = 0;
inline constexpr int kConst1 = 1;

// Thrown for a netlist that cannot be read or checked; the message starts
// with "file:line:col: ". It is a StageError so a stage can let it through.
class NetlistError : public flowrun::StageError {
 public:
  using flowrun::StageError::StageError;
};

// What the netlist needs to know about one Liberty cell.
struct CellInfo {
  std::string name;
  std::vector<std::string> inputs;  // input pin names, truth-table bit order
  std::string output;               // the single output pin
  std::uint64_t truth = 0;          // bit r = output for input row r
  double area = 0;                  // Liberty area
  int transistors = 0;              // flowrun_transistors attribute
};

struct Gate {
  std::string cell;         // Liberty cell name, e.g. "NAND2"
  std::string name;         // instance name from the source (may be empty)
  std::vector<int> inputs;  // signal ids, one per cell input pin, pin order
  int output = -1;          // signal id this gate drives
};

struct Port {
  std::string name;
  bool is_input = true;
  std::vector<int> bits;  // signal ids, LSB first (bits[0] = bit 0 of the value)
};

struct Netlist {
  std::string module;
  std::vector<Port> ports;  // declaration order
  std::vector<Gate> gates;  // topological order (see above)
  int num_signals = 2;
  // One name per signal id, for messages and writing: "1'b0", "1'b1",
  // "a[3]", the source's net name for gate outputs.
  std::vector<std::string> signal_names{"1'b0", "1'b1"};
  std::map<std::string, CellInfo, std::less<>> cells;

  // Number of primary-input bits; gate outputs start at 2 + this.
  int num_input_bits() const;
  int first_gate_signal() const { return 2 + num_input_bits(); }
  const Port* port(std::string_view name) const;
  // The cell of a gate; throws NetlistError for a cell not in `cells`.
  const CellInfo& cell(std::string_view name) const;
  // Sum of CellInfo::transistors / ::area over all gates.
  long total_transistors() const;
  double total_area() const;
  // Gate count per cell name.
  std::map<std::string, int> cell_counts() const;
  // Checks the invariants above (ids in range, topological order, pin
  // counts, known cells); throws NetlistError naming the first violation.
  // For code that builds or edits netlists.
  void check() const;
};

// Expected port widths: NetlistExpect{{"a", 8}, {"b", 8}, {"y", 16}}.
// When given, the netlist must have exactly these ports with these widths.
struct PortWidth {
  std::string name;
  int width = 0;
};
using NetlistExpect = std::vector<PortWidth>;

// Limits of the reader (docs/security.md): far above any netlist that can
// be simulated exhaustively, low enough that hostile input cannot take more
// than a few hundred MB. Exceeding one is a NetlistError naming the place.
inline constexpr std::size_t kMaxNetlistBytes = std::size_t{64} << 20;  // file size
inline constexpr std::size_t kMaxTokens = 8'000'000;                   // identifiers, numbers, symbols
inline constexpr std::size_t kMaxInstances = 250'000;                  // cell instances
inline constexpr std::size_t kMaxNetBits = 4'000'000;                  // declared net bits

// Reads a flat structural Verilog netlist (one module; input/output/wire
// declarations with ranges; cell instances with named connections; `assign`
// of nets, bit/part selects, concatenations and constants). Cell functions
// come from the Liberty library. Rejects, with "file:line:col: message":
// unknown cells or pins, sequential cells, combinational loops (naming the
// nets on the loop), multiply driven nets, undriven nets that are read,
// unconnected cell inputs, and ports that do not match `expect`.
Netlist read_netlist(const std::filesystem::path& file, const liberty::Library& lib,
                     const NetlistExpect& expect = {});
// The same, reading Verilog text; `file_name` is used in messages.
Netlist parse_netlist(std::string_view text, const std::string& file_name,
                      const liberty::Library& lib, const NetlistExpect& expect = {});
// Checks ports against expected widths; throws NetlistError mentioning
// `where` (e.g. the file name).
void check_ports(const Netlist& nl, const NetlistExpect& expect, const std::string& where);

// Writes readable structural Verilog-2005 over the same cells: sanitized
// unique identifiers, one wire per gate output, named pin connections and
// one `assign` per output bit. `header_comment` (may span lines) is written
// as a // comment block at the top, e.g. provenance.
void write_netlist(const Netlist& nl, std::ostream& os, const std::string& header_comment);
void write_netlist_file(const Netlist& nl, const std::filesystem::path& file,
                        const std::string& header_comment);

// Exhaustive bit-parallel evaluation. Input assignment k (0 .. 2^n - 1, n =
// num_input_bits() <= 24) is row-major over the input ports in declaration
// order: the first input port is the most significant digit. For ports
// a[8], b[8]: k = a * 256 + b, the order of lut.csv and table.hex.
// Bit (k % 64) of word (k / 64) holds the value for assignment k.
struct SimTable {
  std::size_t num_vectors = 0;
  std::size_t num_words = 0;
  // One entry per signal id: its value for every assignment (num_words
  // words each).
  std::vector<std::vector<std::uint64_t>> signals;
  bool bit(int signal, std::size_t k) const {
    return (signals[static_cast<std::size_t>(signal)][k >> 6] >> (k & 63)) & 1u;
  }
};
SimTable simulate(const Netlist& nl);
// The value of an output (or input) port for every assignment, as an
// integer (sign-extended from the port's MSB when is_signed).
std::vector<std::int64_t> port_values(const Netlist& nl, const SimTable& sim,
                                      std::string_view port, bool is_signed);

// Legal, readable Verilog identifier for `name` (non-word characters become
// '_', keywords and leading digits are prefixed); used by the writer.
std::string sanitize_identifier(std::string_view name);

}  // namespace flowrun::gates
