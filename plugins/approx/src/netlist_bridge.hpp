// Conversions between flowrun_gates netlists and GA genomes, and the
// cell-library view the GA needs (kinds, costs).
#pragma once

#include "genome.hpp"
#include "problem.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrun::approx {

enum class CostModel { Transistors, Area };

// Every combinational cell of a Liberty library, as flowrun_gates sees it
// (for init: random, where no netlist brings the cells along).
std::map<std::string, gates::CellInfo, std::less<>> cells_of_library(const liberty::Library& lib);

// The GA's gate kinds: every combinational one-output cell of the netlist's
// library with one or two inputs (Netlist::cells), costed by the model.
// Throws std::runtime_error naming a cell that the library gives no
// flowrun_transistors value when the model needs it and the cell is in
// `needed` (or every usable cell when `needed` is empty).
std::vector<GateKind> kinds_from_cells(const gates::Netlist& nl, CostModel model,
                                       const liberty::Library* lib = nullptr,
                                       const std::vector<std::string>& needed = {});
int kind_index(const std::vector<GateKind>& kinds, const std::string& cell);

// The port names of a multiplier netlist: operands a, b and product y.
struct MultPorts {
  std::string a = "a";
  std::string b = "b";
  std::string y = "y";
};

// Finds the multiplier's ports in a netlist read without expectations. A
// non-empty name in `given` is taken as it is; the others are found: the
// one output port is y; of exactly two input ports, ports named a and b are
// a and b, else the one a_width wide is a when the widths differ, else the
// first declared is a. Then the widths are checked (a: a_width, b: b_width,
// y: a_width + b_width, no other ports). Throws gates::NetlistError
// starting with `where` that lists the module's ports and names the params
// a_port / b_port / y_port.
MultPorts find_mult_ports(const gates::Netlist& nl, int a_width, int b_width, const MultPorts& given,
                          const std::string& where);

// The genome of a netlist with ports a, b (inputs) and y (output); its
// primary inputs keep the netlist's signal order, and input_kbit (filled)
// tells, per primary input, its bit of the assignment index k = a*2^bw + b.
// Throws gates::NetlistError (message starting with the file name) for a
// cell the GA cannot use.
// `ports` names them when they are called otherwise.
Genome genome_from_netlist(const gates::Netlist& nl, const std::vector<GateKind>& kinds,
                           const std::string& where, std::vector<int>& input_kbit,
                           const MultPorts& ports = {});

// A netlist of the genome (active gates only) with the template's module
// and ports; gate instances are named g<index>, nets n<index>.
gates::Netlist netlist_from_genome(const Genome& g, const std::vector<GateKind>& kinds,
                                   const gates::Netlist& templ);

// A fresh netlist template for init: random: module `module`, input ports
// a[a_width], b[b_width], output y[a_width+b_width], the given cells.
gates::Netlist template_netlist(const std::string& module, int a_width, int b_width,
                                const std::map<std::string, gates::CellInfo, std::less<>>& cells);

}  // namespace flowrun::approx
