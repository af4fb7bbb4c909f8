// Netlist -> readable structural Verilog-2005 over the same cells. Ports are
// written [W-1:0] (LSB = bit 0); each gate output gets one wire named after
// its source net; output bits are connected with one `assign` each.
// Inputs and gate outputs nobody reads (an approximate circuit may ignore
// an input bit) are wrapped in Verilator lint_off UNUSEDSIGNAL, with a
// comment, so `verilator --lint-only -Wall` stays quiet for a reason.
#include <flowrun_gates/netlist.hpp>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>

namespace flowrun::gates {

namespace {

const std::unordered_set<std::string>& reserved_words() {
  static const std::unordered_set<std::string> words{
      "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case", "casex",
      "casez", "cell", "cmos", "config", "deassign", "default", "defparam", "design", "disable",
      "edge", "else", "end", "endcase", "endconfig", "endfunction", "endgenerate", "endmodule",
      "endprimitive", "endspecify", "endtable", "endtask", "event", "for", "force", "forever", "fork",
      "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone", "incdir", "include",
      "initial", "inout", "input", "instance", "integer", "join", "large", "liblist", "library",
      "localparam", "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor",
      "noshowcancelled", "not", "notif0", "notif1", "or", "output", "parameter", "pmos", "posedge",
      "primitive", "pull0", "pull1", "pulldown", "pullup", "pulsestyle_onevent",
      "pulsestyle_ondetect", "rcmos", "real", "realtime", "reg", "release", "repeat", "rnmos",
      "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled", "signed", "small",
      "specify", "specparam", "strong0", "strong1", "supply0", "supply1", "table", "task", "time",
      "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "unsigned",
      "use", "uwire", "vectored", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor",
      "xor",
      // SystemVerilog words Verilator also reserves
      "bit", "byte", "logic", "int", "shortint", "longint", "string", "class", "interface",
      "package", "program", "property", "sequence", "type", "void", "return", "break", "continue"};
  return words;
}

// Unique identifiers within one module scope (nets and instances share it).
class NameTable {
 public:
  std::string claim(std::string_view wanted) {
    std::string base = sanitize_identifier(wanted);
    std::string name = base;
    for (int k = 1; used_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_.insert(name);
    return name;
  }
 private:
  std::set<std::string> used_;
};

std::string range(std::size_t width) {
  return width > 1 ? "[" + std::to_string(width - 1) + ":0] " : "";
}

}  // namespace

std::string sanitize_identifier(std::string_view name) {
  std::string out;
  bool last_underscore = false;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    const char d = ok ? c : '_';
    if (d == '_' && last_underscore && !ok) continue;  // collapse runs of replaced characters
    out += d;
    last_underscore = d == '_';
  }
  // Trim replaced characters at the end ("a[3]" -> "a_3").
  while (out.size() > 1 && out.back() == '_' && !name.empty() && name.back() != '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "n_" + out;
  if (out.rfind("_", 0) == 0 && out.size() > 1 && out.find_first_not_of('_') == std::string::npos)
    out = "n" + out;
  if (reserved_words().count(out)) out += "_";
  return out;
}

void write_netlist(const Netlist& nl, std::ostream& os, const std::string& header_comment) {
  nl.check();
  NameTable names;
  const std::string module = names.claim(nl.module);
  std::vector<std::string> port_names;
  for (const auto& p : nl.ports) port_names.push_back(names.claim(p.name));

  // Which signals are read (by a gate or an output).
  std::vector<bool> read(static_cast<std::size_t>(nl.num_signals), false);
  for (const auto& g : nl.gates)
    for (int s : g.inputs) read[static_cast<std::size_t>(s)] = true;
  for (const auto& p : nl.ports)
    if (!p.is_input)
      for (int s : p.bits) read[static_cast<std::size_t>(s)] = true;

  // Names of signals as expressions.
  std::vector<std::string> expr(static_cast<std::size_t>(nl.num_signals));
  expr[kConst0] = "1'b0";
  expr[kConst1] = "1'b1";
  for (std::size_t i = 0; i < nl.ports.size(); ++i) {
    const Port& p = nl.ports[i];
    if (!p.is_input) continue;
    for (std::size_t b = 0; b < p.bits.size(); ++b)
      expr[static_cast<std::size_t>(p.bits[b])] =
          p.bits.size() > 1 ? port_names[i] + "[" + std::to_string(b) + "]" : port_names[i];
  }
  for (const auto& g : nl.gates)
    expr[static_cast<std::size_t>(g.output)] = names.claim(nl.signal_names[static_cast<std::size_t>(g.output)]);
  std::vector<std::string> inst_names;
  for (std::size_t i = 0; i < nl.gates.size(); ++i)
    inst_names.push_back(names.claim(nl.gates[i].name.empty() ? "g" + std::to_string(i) : nl.gates[i].name));

  // Header.
  std::istringstream hc(header_comment);
  for (std::string line; std::getline(hc, line);) os << "// " << line << "\n";
  os << "//\n// Structural netlist: " << nl.gates.size() << " cells, " << nl.total_transistors()
     << " transistors, area " << nl.total_area() << ".";
  os << "\n// Cells used:";
  for (const auto& [cell, count] : nl.cell_counts()) os << " " << cell << " x" << count << ";";
  os << "\n// The artifact file name need not match the module name.\n"
     << "/* verilator lint_off DECLFILENAME */\n";

  os << "module " << module << " (";
  for (std::size_t i = 0; i < port_names.size(); ++i) os << (i ? ", " : "") << port_names[i];
  os << ");\n";
  for (std::size_t i = 0; i < nl.ports.size(); ++i) {
    const Port& p = nl.ports[i];
    bool unused = false;
    if (p.is_input)
      for (int s : p.bits) unused |= !read[static_cast<std::size_t>(s)];
    if (unused) os << "  // Some bits of this input do not affect any output.\n  /* verilator lint_off UNUSEDSIGNAL */\n";
    os << "  " << (p.is_input ? "input  " : "output ") << range(p.bits.size()) << port_names[i] << ";\n";
    if (unused) os << "  /* verilator lint_on UNUSEDSIGNAL */\n";
  }
  if (!nl.gates.empty()) os << "\n  // One wire per cell output.\n";
  for (const auto& g : nl.gates) {
    const bool dead = !read[static_cast<std::size_t>(g.output)];
    if (dead) os << "  /* verilator lint_off UNUSEDSIGNAL */  // drives nothing\n";
    os << "  wire " << expr[static_cast<std::size_t>(g.output)] << ";\n";
    if (dead) os << "  /* verilator lint_on UNUSEDSIGNAL */\n";
  }
  if (!nl.gates.empty()) os << "\n  // Cells, in topological order.\n";
  for (std::size_t i = 0; i < nl.gates.size(); ++i) {
    const Gate& g = nl.gates[i];
    const CellInfo& c = nl.cell(g.cell);
    os << "  " << c.name << " " << inst_names[i] << " (";
    for (std::size_t k = 0; k < g.inputs.size(); ++k)
      os << "." << c.inputs[k] << "(" << expr[static_cast<std::size_t>(g.inputs[k])] << "), ";
    os << "." << c.output << "(" << expr[static_cast<std::size_t>(g.output)] << "));\n";
  }
  os << "\n  // Outputs.\n";
  for (std::size_t i = 0; i < nl.ports.size(); ++i) {
    const Port& p = nl.ports[i];
    if (p.is_input) continue;
    for (std::size_t b = 0; b < p.bits.size(); ++b)
      os << "  assign " << port_names[i] << (p.bits.size() > 1 ? "[" + std::to_string(b) + "]" : "")
         << " = " << expr[static_cast<std::size_t>(p.bits[b])] << ";\n";
  }
  os << "endmodule\n";
}

void write_netlist_file(const Netlist& nl, const std::filesystem::path& file, const std::string& header_comment) {
  std::ostringstream ss;
  write_netlist(nl, ss, header_comment);
  std::ofstream out(file, std::ios::binary);
  if (!out) throw NetlistError(file.string() + ": cannot write the netlist");
  out << ss.str();
  if (!out.flush()) throw NetlistError(file.string() + ": write failed");
}

}  // namespace flowrun::gates
