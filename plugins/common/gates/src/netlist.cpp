// Netlist queries and the invariant check (see netlist.hpp).
#include <flowrun_gates/netlist.hpp>

#include <string>

namespace flowrun::gates {

int Netlist::num_input_bits() const {
  int n = 0;
  for (const auto& p : ports)
    if (p.is_input) n += static_cast<int>(p.bits.size());
  return n;
}

const Port* Netlist::port(std::string_view name) const {
  for (const auto& p : ports)
    if (p.name == name) return &p;
  return nullptr;
}

const CellInfo& Netlist::cell(std::string_view name) const {
  const auto it = cells.find(name);
  if (it == cells.end())
    throw NetlistError("netlist '" + module + "': cell '" + std::string(name) +
                       "' is not a combinational cell of its library");
  return it->second;
}

long Netlist::total_transistors() const {
  long n = 0;
  for (const auto& g : gates) n += cell(g.cell).transistors;
  return n;
}

double Netlist::total_area() const {
  double a = 0;
  for (const auto& g : gates) a += cell(g.cell).area;
  return a;
}

std::map<std::string, int> Netlist::cell_counts() const {
  std::map<std::string, int> counts;
  for (const auto& g : gates) ++counts[g.cell];
  return counts;
}

void Netlist::check() const {
  auto bad = [&](const std::string& msg) { throw NetlistError("netlist '" + module + "': " + msg); };
  const int first = first_gate_signal();
  if (num_signals != first + static_cast<int>(gates.size()))
    bad("num_signals is " + std::to_string(num_signals) + ", expected " +
        std::to_string(first + static_cast<int>(gates.size())));
  if (static_cast<int>(signal_names.size()) != num_signals)
    bad("signal_names has " + std::to_string(signal_names.size()) + " entries for " +
        std::to_string(num_signals) + " signals");
  int next_input = 2;
  for (const auto& p : ports) {
    if (!p.is_input) continue;
    for (int b : p.bits)
      if (b != next_input++) bad("input port '" + p.name + "' bits are not numbered 2.. in port order");
  }
  for (std::size_t i = 0; i < gates.size(); ++i) {
    const Gate& g = gates[i];
    const CellInfo& c = cell(g.cell);
    const int out = first + static_cast<int>(i);
    if (g.output != out)
      bad("gate " + std::to_string(i) + " ('" + g.name + "') drives signal " + std::to_string(g.output) +
          ", expected " + std::to_string(out));
    if (g.inputs.size() != c.inputs.size())
      bad("gate " + std::to_string(i) + " ('" + g.name + "') has " + std::to_string(g.inputs.size()) +
          " inputs, cell " + c.name + " has " + std::to_string(c.inputs.size()));
    for (int s : g.inputs)
      if (s < 0 || s >= out)
        bad("gate " + std::to_string(i) + " ('" + g.name + "') reads signal " + std::to_string(s) +
            ", which is not a constant, an input or an earlier gate");
  }
  for (const auto& p : ports) {
    if (p.bits.empty()) bad("port '" + p.name + "' has no bits");
    if (p.is_input) continue;
    for (int s : p.bits)
      if (s < 0 || s >= num_signals) bad("output port '" + p.name + "' uses unknown signal " + std::to_string(s));
  }
}

}  // namespace flowrun::gates
