// approx.ga's re-mapping of an island's best circuit with Yosys and ABC
// (a RemapFn, see ga.hpp).
//
// The GA's moves change one or two gates at a time, so a lineage settles on
// a structure whose function it can no longer reach more cheaply by small
// steps. Logic synthesis restructures the same function globally: the
// circuit is written as structural Verilog, flattened onto the logic of a
// generated Liberty library holding only the cells the GA may use, with
// each cell's cost under the stage's cost model as its area (so ABC's area
// mapping minimizes what the GA minimizes), optimized by Yosys `synth`,
// mapped by `abc -liberty` and read back. ABC needs a buffer cell to map;
// the library gets one the GA cannot use, priced out of use, and a result
// that still contains it is dropped.
#pragma once

#include "genome.hpp"
#include "netlist_bridge.hpp"

#include <flowrun/context.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flowrun::approx {

// Liberty text of the cells `allowed` (indices into kinds; pins and
// functions from templ.cells, area = GateKind::cost) plus the buffer ABC
// needs, named kRemapBuffer. Cells with a constant function are left out.
inline constexpr const char* kRemapBuffer = "flowrun_remap_buffer";
std::string remap_liberty(const std::vector<GateKind>& kinds, const std::vector<std::uint16_t>& allowed,
                          const gates::Netlist& templ);

class AbcRemap {
 public:
  // Checks that yosys runs (throws StageError otherwise) and writes
  // dir/remap_cells.lib; each island works in dir/island<i>/, where
  // the latest re-mapping's files stay for inspection. input_kbit: the
  // Problem's (a result whose inputs come in another order is dropped);
  // ports: the template's operand and product port names.
  AbcRemap(Context& ctx, const std::vector<GateKind>& kinds, const std::vector<std::uint16_t>& allowed,
           const gates::Netlist& templ, std::vector<int> input_kbit, std::filesystem::path dir,
           MultPorts ports = {});

  // The re-mapped circuit, or nothing (with a warning) when Yosys fails or
  // its result cannot be used.
  std::optional<Genome> operator()(const Genome& best, int island) const;

 private:
  Context& ctx_;
  const std::vector<GateKind>& kinds_;
  const gates::Netlist& templ_;
  std::vector<int> input_kbit_;
  std::filesystem::path dir_;
  MultPorts ports_;
  std::filesystem::path lib_file_;
  liberty::Library lib_;  // remap_cells.lib as read back (reads the results)
};

}  // namespace flowrun::approx
