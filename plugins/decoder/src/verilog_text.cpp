#include "verilog_text.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string_view>

namespace flowrun::decoder {

namespace {

// Verilog-2005 plus SystemVerilog keywords (tools such as Verilator parse
// files as SystemVerilog, so both sets are avoided).
const std::set<std::string_view>& keywords() {
  static const std::set<std::string_view> k = {
    "alias", "always", "always_comb", "always_ff", "always_latch", "and", "assert",
    "assign", "automatic", "begin", "bit", "break", "buf", "bufif0", "bufif1", "byte",
    "case", "casex", "casez", "cell", "chandle", "class", "cmos", "config", "const",
    "continue", "deassign", "default", "defparam", "design", "disable", "do", "edge",
    "else", "end", "endcase", "endclass", "endconfig", "endfunction", "endgenerate",
    "endinterface", "endmodule", "endpackage", "endprimitive", "endspecify", "endtable",
    "endtask", "enum", "event", "export", "extern", "for", "force", "forever", "fork",
    "function", "generate", "genvar", "highz0", "highz1", "if", "ifnone", "import",
    "incdir", "include", "initial", "inout", "input", "instance", "int", "integer",
    "interface", "join", "large", "liblist", "library", "localparam", "logic", "longint",
    "macromodule", "medium", "module", "nand", "negedge", "nmos", "nor", "not", "notif0",
    "notif1", "or", "output", "package", "parameter", "pmos", "posedge", "primitive",
    "pull0", "pull1", "pulldown", "pullup", "rcmos", "real", "realtime", "reg",
    "release", "repeat", "return", "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1",
    "scalared", "shortint", "signed", "small", "specify", "specparam", "static",
    "string", "strong0", "strong1", "struct", "supply0", "supply1", "table", "task",
    "time", "tran", "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior",
    "trireg", "type", "typedef", "union", "unsigned", "use", "uwire", "var", "vectored",
    "virtual", "void", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor",
    "xor"};
  return k;
}

bool is_keyword(std::string_view s) { return keywords().count(s) > 0; }

}  // namespace

std::string sanitize_identifier(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "m_" + out;
  if (is_keyword(out)) out += '_';
  return out;
}

std::string comment_text(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string hex_digits(std::int64_t value, int bits) {
  if (bits < 1) throw std::invalid_argument("hex_digits: bits must be positive");
  const int digits = (bits + 3) / 4;
  std::string s(static_cast<std::size_t>(digits), '0');
  const std::uint64_t u = static_cast<std::uint64_t>(value);
  for (int d = 0; d < digits; ++d) {
    const int shift = 4 * d;
    unsigned nibble = shift < 64 ? static_cast<unsigned>((u >> shift) & 0xF) : (value < 0 ? 0xF : 0);
    const int width_left = bits - shift;  // bits of this nibble that belong to the value
    if (width_left < 4) nibble &= (1u << width_left) - 1;
    s[static_cast<std::size_t>(digits - 1 - d)] = "0123456789abcdef"[nibble];
  }
  return s;
}

std::string hex_literal(std::int64_t value, int bits) {
  if (bits < 64) {
    const std::int64_t lo = -(std::int64_t{1} << (bits - 1));
    const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
    if (value < lo || value > hi) {
      throw std::invalid_argument("hex_literal: " + std::to_string(value) + " does not fit " +
                                  std::to_string(bits) + " signed bits");
    }
  }
  return std::to_string(bits) + "'sh" + hex_digits(value, bits);
}

}  // namespace flowrun::decoder
