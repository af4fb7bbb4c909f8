// verify.equiv helpers.
//
// Method (docs/eda-stages.md): both designs are brought by Yosys to the
// same form -- flattened, asynchronous resets made synchronous
// (async2sync), every flip-flop a single-bit $_DFF_, logic an AIG
// ($_AND_/$_NOT_) -- and written as JSON. Flip-flops are then paired by
// name (a netlist flip-flop's output net keeps the RTL register's name,
// e.g. acc[3]) and cut: each pair's output becomes one shared free input,
// each flip-flop's next-state function an output. What remains is two
// combinational circuits with the same inputs and outputs, written as
// BLIF and compared by ABC's `cec` (SAT sweeping with internal
// equivalences, which copes with multipliers where one monolithic SAT miter
// does not). Equal next-state and output functions for equal states imply
// equal behaviour from equal (reset) states.
#pragma once

#include <flowrun/spec.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

// The Yosys script that turns one design into the AIG-with-flip-flops JSON.
// `sources` are read in order (cell models first for the netlist side).
// The RTL side (rtl = true) goes through the same coarse synthesis as
// synth.yosys (synth -run :fine: alumacc, multiplier and adder
// architecture) so its arithmetic has the structure ABC started from and
// cec finds the internal equivalences; the netlist side is only flattened.
std::string equiv_prepare_script(const std::vector<fs::path>& sources, const std::string& top,
                                 const fs::path& json_out, bool rtl);

// Signal ids: Yosys bit numbers; constants are kConst0 / kConst1 ("x" and
// "z" read as 0).
constexpr long kConst0 = -1;
constexpr long kConst1 = -2;

// One design read back from that JSON.
struct AigDesign {
  std::string top;
  struct Port { std::string name; bool input; std::vector<long> bits; };
  std::vector<Port> ports;
  struct And { long a, b, y; };
  struct Not { long a, y; };
  struct Flop {
    long clk = 0, d = 0, q = 0;
    bool posedge = true;
    bool has_reset = false;          // asynchronous reset ($_DFF_PN0_ ...)
    bool reset_active_high = true;
    bool reset_value = false;
    long reset = kConst0;
    std::vector<std::string> names;  // public names of the output net, plain names first
  };
  std::vector<And> ands;
  std::vector<Not> nots;
  std::vector<Flop> flops;
};

// Throws StageError naming `file` for an unexpected cell type or shape.
AigDesign read_aig_json(const json& j, const std::string& file);

// The two combinational BLIF models and how their outputs map back to names.
struct CutPair {
  std::string gold_blif, gate_blif;
  std::vector<std::string> output_names;  // po<k> -> "output p[3]" / "next state of acc[3]"
  std::vector<std::string> input_names;   // pi<k> -> "input a[0]" / "state of acc[3]"
  int matched_flops = 0;                  // gold flip-flops paired with a netlist flip-flop
};

// Pairs flip-flops by name and cuts them. Throws StageError listing the
// flip-flops or ports that have no counterpart.
CutPair cut_and_pair(const AigDesign& gold, const AigDesign& gate);

struct CecVerdict {
  bool equivalent = false;
  bool decided = false;   // false when ABC printed neither verdict
  std::string detail;     // ABC's message, output names translated
};

// Reads ABC's `cec` output.
CecVerdict parse_cec_output(std::string_view output, const std::vector<std::string>& output_names,
                            const std::vector<std::string>& input_names = {});

}  // namespace flowrun::eda
