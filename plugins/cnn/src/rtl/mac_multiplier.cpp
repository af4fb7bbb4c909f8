// Loading and checking the MAC multiplier netlist of rtl.cnn.
#include "rtl/mac_multiplier.hpp"

#include "rtl/accel.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <fstream>
#include <sstream>

namespace flowrun::cnn::rtl {

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

MacMultiplier load_mac_multiplier(const std::filesystem::path& netlist, const std::filesystem::path& liberty,
                                  const std::string& mapping, const std::string& a_port,
                                  const std::string& b_port, const std::string& y_port) {
  if (mapping != "signed" && mapping != "sign_magnitude") {
    throw StageError("param multiplier_mapping: '" + mapping + "', expected signed or sign_magnitude");
  }
  if (liberty.empty()) {
    throw StageError("rtl.cnn: param multiplier_liberty is empty and the site gives no cell_library; the multiplier "
                     "netlist " + netlist.filename().string() + " is read against it");
  }
  liberty::Library lib;
  try {
    lib = liberty::read_liberty(liberty);
  } catch (const liberty::LibertyError& e) {
    throw StageError(e.what());
  }
  const gates::Netlist nl = gates::read_netlist(netlist, lib);  // NetlistError is a StageError
  const std::string where = netlist.string();
  // The module is instantiated by name in the generated Verilog and becomes
  // a file name (<module>.v); an escaped identifier (\a;endmodule ...,
  // \../x) would inject text there or leave the output folder.
  if (!verilog_identifier(nl.module)) {
    throw StageError(where + ": module name '" + nl.module +
                     "' is not a plain Verilog identifier (letters, digits, '_', not starting with a digit); "
                     "the accelerator instantiates the multiplier by that name");
  }
  for (const auto& p : nl.ports) {
    if (!verilog_identifier(p.name)) {
      throw StageError(where + ": port name '" + p.name + "' of module " + nl.module +
                       " is not a plain Verilog identifier (letters, digits, '_', not starting with a digit)");
    }
  }
  const std::string expected =
      "; the accelerator's MAC multiplier needs two 8-bit inputs (a = the int8 weight, b = the activation) and "
      "one 16-bit output (the product; " + mapping + " mapping), names set by multiplier_a_port/_b_port/_y_port";
  const std::string has = " (module " + nl.module + " has " + port_list(nl) + ")";
  MacMultiplier m;
  m.mapping = mapping;
  m.module = nl.module;
  std::vector<const gates::Port*> ins, outs;
  for (const auto& p : nl.ports) (p.is_input ? ins : outs).push_back(&p);
  auto named = [&](const std::string& name, bool input) -> const gates::Port* {
    const gates::Port* p = nl.port(name);
    if (!p || p->is_input != input) {
      throw StageError(where + ": no " + (input ? "input" : "output") + " port '" + name + "'" + has + expected);
    }
    return p;
  };
  const gates::Port* y = nullptr;
  if (!y_port.empty()) {
    y = named(y_port, false);
  } else if (outs.size() == 1) {
    y = outs[0];
  } else {
    throw StageError(where + ": " + std::to_string(outs.size()) + " output ports" + has + expected);
  }
  const gates::Port* a = a_port.empty() ? nullptr : named(a_port, true);
  const gates::Port* b = b_port.empty() ? nullptr : named(b_port, true);
  if (!a || !b) {
    if (ins.size() != 2) throw StageError(where + ": " + std::to_string(ins.size()) + " input ports" + has + expected);
    if (!a && !b && nl.port("a") && nl.port("b") && nl.port("a")->is_input && nl.port("b")->is_input) {
      a = nl.port("a");
      b = nl.port("b");
    } else if (!a && !b) {
      a = ins[0];
      b = ins[1];
    } else if (!a) {
      a = ins[0] == b ? ins[1] : ins[0];
    } else {
      b = ins[0] == a ? ins[1] : ins[0];
    }
  }
  if (a == b) throw StageError(where + ": operands a and b are the same port '" + a->name + "'" + has + expected);
  if (nl.ports.size() != 3 || a->bits.size() != 8 || b->bits.size() != 8 || y->bits.size() != 16) {
    throw StageError(where + ": ports do not match: a = " + a->name + "[" + std::to_string(a->bits.size()) +
                     "], b = " + b->name + "[" + std::to_string(b->bits.size()) + "], y = " + y->name + "[" +
                     std::to_string(y->bits.size()) + "]" + has + expected);
  }
  m.a_port = a->name;
  m.b_port = b->name;
  m.y_port = y->name;
  std::ifstream in(netlist, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  m.text = ss.str();
  m.source = netlist.filename().string();
  m.file_name = m.module + ".v";
  m.cells = static_cast<int>(nl.gates.size());
  m.area = nl.total_area();
  return m;
}

}  // namespace flowrun::cnn::rtl
