// Netlist <-> genome.
#include "netlist_bridge.hpp"

#include <algorithm>
#include <stdexcept>

namespace flowrun::approx {

std::map<std::string, gates::CellInfo, std::less<>> cells_of_library(const liberty::Library& lib) {
  std::map<std::string, gates::CellInfo, std::less<>> cells;
  for (const auto& c : lib.cells) {
    if (c.sequential || !c.has_truth || c.output.empty()) continue;
    gates::CellInfo ci;
    ci.name = c.name;
    ci.inputs = c.inputs;
    ci.output = c.output;
    ci.truth = c.truth;
    ci.area = c.area;
    ci.transistors = c.transistors < 0 ? 0 : c.transistors;
    cells.emplace(c.name, std::move(ci));
  }
  return cells;
}

std::vector<GateKind> kinds_from_cells(const gates::Netlist& nl, CostModel model, const liberty::Library* lib,
                                       const std::vector<std::string>& needed) {
  std::vector<GateKind> kinds;
  for (const auto& [name, cell] : nl.cells) {
    const auto arity = static_cast<int>(cell.inputs.size());
    if (arity < 1 || arity > 2) continue;
    GateKind k;
    k.name = name;
    k.arity = arity;
    k.truth = static_cast<std::uint32_t>(cell.truth & ((1u << (1u << arity)) - 1u));
    k.transistors = cell.transistors;
    k.area = cell.area;
    if (model == CostModel::Transistors) {
      const bool is_needed = needed.empty() || std::find(needed.begin(), needed.end(), name) != needed.end();
      const liberty::LibCell* lc = lib ? lib->find(name) : nullptr;
      if (is_needed && lc && lc->transistors < 0) {
        throw std::runtime_error(lib->file + ":" + std::to_string(lc->line) + ": cell " + name +
                                 " has no flowrun_transistors attribute, which cost: transistors needs "
                                 "(use cost: area, or a library that gives transistor counts)");
      }
      k.cost = cell.transistors;
    } else {
      k.cost = cell.area;
    }
    kinds.push_back(k);
  }
  return kinds;
}

int kind_index(const std::vector<GateKind>& kinds, const std::string& cell) {
  for (std::size_t i = 0; i < kinds.size(); ++i) if (kinds[i].name == cell) return static_cast<int>(i);
  return -1;
}

namespace {

std::string port_list(const gates::Netlist& nl) {
  std::string s;
  for (const auto& p : nl.ports) {
    s += (s.empty() ? "" : ", ") + std::string(p.is_input ? "input " : "output ") + p.name + "[" +
         std::to_string(p.bits.size()) + "]";
  }
  return s.empty() ? "no ports" : s;
}

}  // namespace

MultPorts find_mult_ports(const gates::Netlist& nl, int a_width, int b_width, const MultPorts& given,
                          const std::string& where) {
  const std::string hint = " (module " + nl.module + " has " + port_list(nl) +
                           "; name the ports with the params a_port, b_port and y_port)";
  std::vector<const gates::Port*> ins, outs;
  for (const auto& p : nl.ports) (p.is_input ? ins : outs).push_back(&p);
  auto named = [&](const std::string& name, bool input, const char* role) {
    const gates::Port* p = nl.port(name);
    if (!p) throw gates::NetlistError(where + ": no port '" + name + "' for " + role + hint);
    if (p->is_input != input)
      throw gates::NetlistError(where + ": port '" + name + "' (" + role + ") is an " +
                                (p->is_input ? "input" : "output") + hint);
    return name;
  };
  MultPorts r;
  if (!given.y.empty()) {
    r.y = named(given.y, false, "the product y");
  } else if (outs.size() == 1) {
    r.y = outs[0]->name;
  } else {
    throw gates::NetlistError(where + ": expected one output port (the product), found " +
                              std::to_string(outs.size()) + hint);
  }
  if (!given.a.empty()) r.a = named(given.a, true, "operand a");
  if (!given.b.empty()) r.b = named(given.b, true, "operand b");
  if (given.a.empty() || given.b.empty()) {
    if (ins.size() != 2)
      throw gates::NetlistError(where + ": expected two input ports (the operands), found " +
                                std::to_string(ins.size()) + hint);
    const gates::Port* first = ins[0];
    const gates::Port* second = ins[1];
    if (!given.a.empty()) {
      r.b = (first->name == r.a ? second : first)->name;
    } else if (!given.b.empty()) {
      r.a = (first->name == r.b ? second : first)->name;
    } else if (nl.port("a") && nl.port("b") && nl.port("a")->is_input && nl.port("b")->is_input) {
      r.a = "a";
      r.b = "b";
    } else if (a_width != b_width && static_cast<int>(second->bits.size()) == a_width &&
               static_cast<int>(first->bits.size()) == b_width) {
      r.a = second->name;  // declared b first; the widths tell them apart
      r.b = first->name;
    } else {
      r.a = first->name;
      r.b = second->name;
    }
  }
  if (r.a == r.b) throw gates::NetlistError(where + ": operands a and b are the same port '" + r.a + "'" + hint);
  gates::check_ports(nl, {{r.a, a_width}, {r.b, b_width}, {r.y, a_width + b_width}}, where);
  return r;
}

Genome genome_from_netlist(const gates::Netlist& nl, const std::vector<GateKind>& kinds,
                           const std::string& where, std::vector<int>& input_kbit, const MultPorts& ports) {
  const gates::Port* a = nl.port(ports.a);
  const gates::Port* b = nl.port(ports.b);
  const gates::Port* y = nl.port(ports.y);
  if (!a || !b || !y || !a->is_input || !b->is_input || y->is_input) {
    throw gates::NetlistError(where + ": expected input ports " + ports.a + ", " + ports.b + " and output port " +
                              ports.y + " (module " + nl.module + ")");
  }
  for (const auto& port : nl.ports) {
    if (port.name != ports.a && port.name != ports.b && port.name != ports.y) {
      throw gates::NetlistError(where + ": unexpected port '" + port.name + "'; approx.ga expects ports " + ports.a +
                                ", " + ports.b + ", " + ports.y);
    }
  }
  const int bw = static_cast<int>(b->bits.size());
  Genome g;
  g.n_inputs = static_cast<std::uint32_t>(nl.num_input_bits());
  input_kbit.assign(g.n_inputs, -1);
  for (std::size_t i = 0; i < a->bits.size(); ++i) input_kbit[static_cast<std::size_t>(a->bits[i] - 2)] = bw + static_cast<int>(i);
  for (std::size_t j = 0; j < b->bits.size(); ++j) input_kbit[static_cast<std::size_t>(b->bits[j] - 2)] = static_cast<int>(j);
  g.gates.reserve(nl.gates.size());
  for (std::size_t i = 0; i < nl.gates.size(); ++i) {
    const gates::Gate& ng = nl.gates[i];
    const int k = kind_index(kinds, ng.cell);
    if (k < 0) {
      throw gates::NetlistError(where + ": gate " + ng.name + " uses cell " + ng.cell +
                                ", which approx.ga cannot evolve (only one-output cells with 1 or 2 inputs)");
    }
    if (ng.output != static_cast<int>(g.first_gate() + i)) {
      throw gates::NetlistError(where + ": gate " + ng.name + " breaks the netlist's signal numbering");
    }
    Gate gt;
    gt.kind = static_cast<std::uint16_t>(k);
    gt.arity = static_cast<std::uint8_t>(kinds[static_cast<std::size_t>(k)].arity);
    for (int p = 0; p < gt.arity; ++p) gt.in[p] = static_cast<std::uint32_t>(ng.inputs[static_cast<std::size_t>(p)]);
    g.gates.push_back(gt);
  }
  for (int s : y->bits) g.outputs.push_back(static_cast<std::uint32_t>(s));
  g.make_parent();
  return g;
}

gates::Netlist netlist_from_genome(const Genome& genome, const std::vector<GateKind>& kinds,
                                   const gates::Netlist& templ) {
  Genome g = genome;
  prune_inactive(g);
  gates::Netlist nl;
  nl.module = templ.module;
  nl.cells = templ.cells;
  const std::uint32_t fg = g.first_gate();
  nl.signal_names.assign(templ.signal_names.begin(), templ.signal_names.begin() + fg);
  for (const auto& port : templ.ports) {
    gates::Port p = port;
    if (!p.is_input) p.bits.clear();
    nl.ports.push_back(p);
  }
  for (std::size_t i = 0; i < g.gates.size(); ++i) {
    const Gate& gt = g.gates[i];
    gates::Gate ng;
    ng.cell = kinds[gt.kind].name;
    ng.name = "g" + std::to_string(i);
    for (int k = 0; k < gt.arity; ++k) ng.inputs.push_back(static_cast<int>(gt.in[k]));
    ng.output = static_cast<int>(fg + i);
    nl.gates.push_back(ng);
    nl.signal_names.push_back("n" + std::to_string(i));
  }
  nl.num_signals = static_cast<int>(fg + g.gates.size());
  for (auto& port : nl.ports) {
    if (port.is_input) continue;
    for (std::uint32_t s : g.outputs) port.bits.push_back(static_cast<int>(s));
  }
  nl.check();
  return nl;
}

gates::Netlist template_netlist(const std::string& module, int a_width, int b_width,
                                const std::map<std::string, gates::CellInfo, std::less<>>& cells) {
  gates::Netlist nl;
  nl.module = module;
  nl.cells = cells;
  int sig = 2;
  gates::Port a{"a", true, {}}, b{"b", true, {}}, y{"y", false, {}};
  for (int i = 0; i < a_width; ++i) {
    a.bits.push_back(sig++);
    nl.signal_names.push_back("a[" + std::to_string(i) + "]");
  }
  for (int i = 0; i < b_width; ++i) {
    b.bits.push_back(sig++);
    nl.signal_names.push_back("b[" + std::to_string(i) + "]");
  }
  nl.ports = {a, b, y};
  nl.num_signals = sig;
  return nl;
}

}  // namespace flowrun::approx
