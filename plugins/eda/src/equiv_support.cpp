#include "equiv_support.hpp"

#include "tool_util.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace flowrun::eda {

std::string equiv_prepare_script(const std::vector<fs::path>& sources, const std::string& top,
                                 const fs::path& json_out, bool rtl) {
  std::ostringstream y;
  y << "# flowrun verify.equiv: one design -> flat AIG with single-bit flip-flops\n";
  for (const auto& f : sources) y << "read_verilog " << yosys_quote(f) << "\n";
  y << (top.empty() ? std::string("hierarchy -check -auto-top\n") : "hierarchy -check -top " + top + "\n");
  if (rtl) {
    y << "# the coarse part of synth.yosys' synthesis (no ABC): same arithmetic structure\n";
    y << "synth -flatten" << (top.empty() ? std::string(" -auto-top") : " -top " + top) << " -run :fine\n";
  } else {
    y << "proc\n";
    y << "flatten\n";
  }
  y << "# undriven nets read as 0 on both sides\n";
  y << "setundef -undriven -zero\n";
  y << "# enables and synchronous resets become logic in front of plain flip-flops\n";
  y << "dffunmap\n";
  y << "techmap\n";
  if (rtl) {
    // Folds the constant weights into the arithmetic. A netlist has
    // nothing left to fold, and on a flattened 13k-cell netlist these three
    // passes cost as much as everything else (ABC's cec hashes the AIG
    // structurally anyway).
    y << "opt_expr\n";
    y << "opt_merge\n";
    y << "opt_clean\n";
  }
  y << "aigmap\n";
  y << "opt_clean\n";
  y << "write_json " << yosys_quote(json_out) << "\n";
  return y.str();
}

namespace {

long bit_of(const json& b, const std::string& file) {
  if (b.is_number_integer()) return b.get<long>();
  if (b.is_string()) {
    std::string s = b;
    if (s == "1") return kConst1;
    return kConst0;  // "0", "x", "z"
  }
  throw StageError(file + ": expected a bit number or constant in a connection, got " + b.dump());
}

long pin(const json& cell, const char* name, const std::string& cell_name, const std::string& file) {
  const json& c = cell.at("connections");
  if (!c.contains(name) || !c[name].is_array() || c[name].size() != 1)
    throw StageError(file + ": cell " + cell_name + " (" + cell.value("type", "") + ") has no single-bit pin " + name);
  return bit_of(c[name][0], file);
}

}  // namespace

AigDesign read_aig_json(const json& j, const std::string& file) {
  if (!j.is_object() || !j.contains("modules")) throw StageError(file + ": expected a Yosys JSON netlist");
  AigDesign d;
  const json* top = nullptr;
  for (const auto& [name, m] : j["modules"].items())
    if (m.value("attributes", json::object()).contains("top")) {
      d.top = name;
      top = &m;
    }
  if (!top) throw StageError(file + ": no top module");
  const json ports = top->value("ports", json::object());
  const json netnames = top->value("netnames", json::object());
  const json cells = top->value("cells", json::object());
  for (const auto& [name, p] : ports.items()) {
    AigDesign::Port port{name, p.value("direction", "") == "input", {}};
    if (p.value("direction", "") == "inout") throw StageError(file + ": inout port '" + name + "' is not supported");
    for (const auto& b : p.at("bits")) port.bits.push_back(bit_of(b, file));
    d.ports.push_back(std::move(port));
  }
  // Public names of every bit, for pairing flip-flops.
  std::map<long, std::vector<std::string>> names;
  for (const auto& [name, n] : netnames.items()) {
    if (n.value("hide_name", 0) != 0) continue;
    const json& bits = n.at("bits");
    const long offset = n.value("offset", 0);
    for (std::size_t i = 0; i < bits.size(); ++i) {
      if (!bits[i].is_number_integer()) continue;
      names[bits[i].get<long>()].push_back(bits.size() == 1 && offset == 0
                                               ? name
                                               : name + "[" + std::to_string(static_cast<long>(i) + offset) + "]");
    }
  }
  static const std::regex dff(R"(\$_DFF_([NP])_|\$_DFF_([NP])([NP])([01])_)");
  for (const auto& [name, c] : cells.items()) {
    const std::string type = c.value("type", "");
    std::smatch m;
    if (type == "$_AND_") {
      d.ands.push_back({pin(c, "A", name, file), pin(c, "B", name, file), pin(c, "Y", name, file)});
    } else if (type == "$_NOT_") {
      d.nots.push_back({pin(c, "A", name, file), pin(c, "Y", name, file)});
    } else if (std::regex_match(type, m, dff)) {
      AigDesign::Flop f;
      f.clk = pin(c, "C", name, file);
      f.d = pin(c, "D", name, file);
      f.q = pin(c, "Q", name, file);
      f.posedge = (m[1].matched ? m[1].str() : m[2].str()) == "P";
      if (m[2].matched) {
        f.has_reset = true;
        f.reset_active_high = m[3].str() == "P";
        f.reset_value = m[4].str() == "1";
        f.reset = pin(c, "R", name, file);
      }
      f.names = names[f.q];
      // User-visible names first (not cell pins such as "_14_.Q", not $-names).
      auto rank = [](const std::string& n) {
        return (n.find('.') != std::string::npos || n[0] == '_' || n[0] == '$') ? 1 : 0;
      };
      std::sort(f.names.begin(), f.names.end(), [&](const std::string& a, const std::string& b) {
        return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
      });
      d.flops.push_back(std::move(f));
    } else {
      throw StageError(file + ": cell " + name + " of type " + type +
                       " cannot be checked (expected logic and edge-triggered flip-flops with at most an "
                       "asynchronous reset; latches and set/reset flip-flops are not supported)");
    }
  }
  return d;
}

namespace {

// Writes one BLIF model. `inputs`: PI name -> bits it drives in this design;
// `outputs`: PO name -> {bit, invert}.
struct BlifOut {
  std::string name;
  long bit;
  bool invert = false;
};

std::string net(long b) {
  if (b == kConst0) return "c0";
  if (b == kConst1) return "c1";
  return "n" + std::to_string(b);
}

std::string write_blif(const std::string& model, const AigDesign& d,
                       const std::vector<std::pair<std::string, std::vector<long>>>& inputs,
                       const std::vector<BlifOut>& outputs) {
  std::ostringstream o;
  o << ".model " << model << "\n.inputs";
  for (const auto& [name, bits] : inputs) o << " " << name;
  o << "\n.outputs";
  for (const auto& out : outputs) o << " " << out.name;
  o << "\n.names c0\n.names c1\n1\n";
  std::set<long> driven;
  for (const auto& [name, bits] : inputs)
    for (long b : bits) {
      if (b < 0 || !driven.insert(b).second) continue;
      o << ".names " << name << " " << net(b) << "\n1 1\n";
    }
  for (const auto& a : d.ands) {
    driven.insert(a.y);
    o << ".names " << net(a.a) << " " << net(a.b) << " " << net(a.y) << "\n11 1\n";
  }
  for (const auto& n : d.nots) {
    driven.insert(n.y);
    o << ".names " << net(n.a) << " " << net(n.y) << "\n0 1\n";
  }
  // Nets nobody drives (e.g. a flip-flop output left unpaired) are an error
  // upstream; anything else undriven reads as 0 like setundef made it.
  std::set<long> used;
  for (const auto& a : d.ands) { used.insert(a.a); used.insert(a.b); }
  for (const auto& n : d.nots) used.insert(n.a);
  for (const auto& out : outputs) used.insert(out.bit);
  for (long b : used)
    if (b >= 0 && !driven.count(b)) o << ".names " << net(b) << "\n";
  for (const auto& out : outputs)
    o << ".names " << net(out.bit) << " " << out.name << "\n" << (out.invert ? "0 1" : "1 1") << "\n";
  o << ".end\n";
  return o.str();
}

std::string list_names(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 8; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 8) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

std::string flop_label(const AigDesign::Flop& f) { return f.names.empty() ? "<unnamed>" : f.names.front(); }

}  // namespace

CutPair cut_and_pair(const AigDesign& gold, const AigDesign& gate) {
  // Ports must agree by name, direction and width.
  std::map<std::string, const AigDesign::Port*> gate_ports;
  for (const auto& p : gate.ports) gate_ports[p.name] = &p;
  for (const auto& p : gold.ports) {
    auto it = gate_ports.find(p.name);
    if (it == gate_ports.end()) throw StageError("the netlist has no port '" + p.name + "' (the RTL has it)");
    if (it->second->input != p.input || it->second->bits.size() != p.bits.size())
      throw StageError("port '" + p.name + "' differs: RTL " + (p.input ? "input" : "output") + " [" +
                       std::to_string(p.bits.size()) + "], netlist " + (it->second->input ? "input" : "output") +
                       " [" + std::to_string(it->second->bits.size()) + "]");
    gate_ports.erase(it);
  }
  if (!gate_ports.empty()) throw StageError("the netlist has port '" + gate_ports.begin()->first + "' the RTL lacks");

  // Pair flip-flops by any shared name of their output nets.
  std::map<std::string, std::size_t> gate_by_name;
  for (std::size_t i = 0; i < gate.flops.size(); ++i)
    for (const auto& n : gate.flops[i].names) gate_by_name.emplace(n, i);
  std::vector<long> pair_of(gold.flops.size(), -1);
  std::vector<bool> gate_used(gate.flops.size(), false);
  std::vector<std::string> unpaired_gold, unpaired_gate;
  for (std::size_t g = 0; g < gold.flops.size(); ++g) {
    for (const auto& n : gold.flops[g].names) {
      auto it = gate_by_name.find(n);
      if (it != gate_by_name.end()) {
        pair_of[g] = static_cast<long>(it->second);
        gate_used[it->second] = true;
        break;
      }
    }
    if (pair_of[g] < 0) unpaired_gold.push_back(flop_label(gold.flops[g]));
  }
  for (std::size_t i = 0; i < gate.flops.size(); ++i)
    if (!gate_used[i]) unpaired_gate.push_back(flop_label(gate.flops[i]));
  if (!unpaired_gold.empty())
    throw StageError(std::to_string(unpaired_gold.size()) +
                     " RTL flip-flop(s) have no netlist flip-flop of the same name: " + list_names(unpaired_gold) +
                     " (verify.equiv pairs registers by name; the netlist must keep register names)");
  if (!unpaired_gate.empty())
    throw StageError(std::to_string(unpaired_gate.size()) +
                     " netlist flip-flop(s) have no RTL register of the same name: " + list_names(unpaired_gate));

  CutPair cp;
  cp.matched_flops = static_cast<int>(gold.flops.size());
  std::vector<std::pair<std::string, std::vector<long>>> gold_in, gate_in;
  std::vector<BlifOut> gold_out, gate_out;
  int pi = 0;
  auto add_pi = [&](const std::string& label, std::vector<long> gold_bits, std::vector<long> gate_bits) {
    std::string name = "pi" + std::to_string(pi++);
    cp.input_names.push_back(label);
    gold_in.emplace_back(name, std::move(gold_bits));
    gate_in.emplace_back(name, std::move(gate_bits));
  };
  auto add_po = [&](const std::string& label, long gold_bit, bool gold_inv, long gate_bit, bool gate_inv) {
    std::string name = "po" + std::to_string(cp.output_names.size());
    cp.output_names.push_back(label);
    gold_out.push_back({name, gold_bit, gold_inv});
    gate_out.push_back({name, gate_bit, gate_inv});
  };
  std::map<std::string, const AigDesign::Port*> gate_port;
  for (const auto& p : gate.ports) gate_port[p.name] = &p;
  for (const auto& p : gold.ports) {
    const auto* q = gate_port[p.name];
    for (std::size_t i = 0; i < p.bits.size(); ++i) {
      std::string label = p.name + (p.bits.size() > 1 ? "[" + std::to_string(i) + "]" : "");
      if (p.input) add_pi("input " + label, {p.bits[i]}, {q->bits[i]});
      else add_po("output " + label, p.bits[i], false, q->bits[i], false);
    }
  }
  // Input port bit -> label, to check that paired flip-flops share a clock.
  auto clock_label = [](const AigDesign& d, long bit) -> std::string {
    for (const auto& p : d.ports)
      for (std::size_t i = 0; i < p.bits.size(); ++i)
        if (p.input && p.bits[i] == bit) return p.name + "[" + std::to_string(i) + "]";
    return "internal net " + std::to_string(bit);
  };
  for (std::size_t i = 0; i < gate.flops.size(); ++i) {
    std::vector<long> gold_q;
    for (std::size_t g = 0; g < gold.flops.size(); ++g)
      if (pair_of[g] == static_cast<long>(i)) gold_q.push_back(gold.flops[g].q);
    add_pi("state of " + flop_label(gate.flops[i]), gold_q, {gate.flops[i].q});
  }
  for (std::size_t g = 0; g < gold.flops.size(); ++g) {
    const auto& a = gold.flops[g];
    const auto& b = gate.flops[static_cast<std::size_t>(pair_of[g])];
    const std::string label = flop_label(a);
    if (a.posedge != b.posedge)
      throw StageError("not equivalent: flip-flop " + label + " is clocked on opposite edges in RTL and netlist");
    if (clock_label(gold, a.clk) != clock_label(gate, b.clk))
      throw StageError("not equivalent: flip-flop " + label + " is clocked by " + clock_label(gold, a.clk) +
                       " in the RTL but by " + clock_label(gate, b.clk) + " in the netlist");
    if (a.has_reset && b.has_reset && a.reset_value != b.reset_value)
      throw StageError("not equivalent: flip-flop " + label + " resets to " + (a.reset_value ? "1" : "0") +
                       " in the RTL but to " + (b.reset_value ? "1" : "0") + " in the netlist");
    add_po("next state of " + label, a.d, false, b.d, false);
    // Reset condition, active high; no reset = never.
    add_po("reset condition of " + label, a.has_reset ? a.reset : kConst0, a.has_reset && !a.reset_active_high,
           b.has_reset ? b.reset : kConst0, b.has_reset && !b.reset_active_high);
  }
  cp.gold_blif = write_blif("gold", gold, gold_in, gold_out);
  cp.gate_blif = write_blif("gate", gate, gate_in, gate_out);
  return cp;
}

namespace {

// Replaces ABC's <prefix><k> names by the labels a user knows.
std::string rename(const std::string& text, const std::string& prefix, const std::vector<std::string>& names) {
  const std::regex re("\\b" + prefix + "(\\d+)\\b");
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    std::size_t k = std::stoul((*it)[1].str());
    out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
    out += k < names.size() ? "'" + names[k] + "'" : it->str();
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

}  // namespace

CecVerdict parse_cec_output(std::string_view out, const std::vector<std::string>& output_names,
                            const std::vector<std::string>& input_names) {
  CecVerdict v;
  std::string named = rename(rename(std::string(out), "po", output_names), "pi", input_names);
  if (named.find("Networks are equivalent") != std::string::npos) {
    v.equivalent = true;
    v.decided = true;
  } else if (named.find("NOT EQUIVALENT") != std::string::npos || named.find("not equivalent") != std::string::npos) {
    v.decided = true;
  }
  // ABC appends wall times ("Time =     0.02 sec"); they would make
  // equiv.rpt differ run to run, so they are dropped (the stage log keeps
  // ABC's full output).
  static const std::regex time_re("[ \t]*Time[ \t]*=[ \t]*[0-9.]+[ \t]*sec");
  v.detail = std::regex_replace(tail_lines(named, 12), time_re, "");
  return v;
}

}  // namespace flowrun::eda
