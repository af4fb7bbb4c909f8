// Structural Verilog -> Netlist. Two passes: parse the module into declared
// nets, assigns and cell instances (recording where each came from), then
// resolve every net bit to its single driver, order the gates
// topologically and number the signals (see netlist.hpp).
#include "verilog_lexer.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <algorithm>
#include <fstream>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>

namespace flowrun::gates {

namespace {

using detail::Token;

struct Loc {
  int line = 0;
  int col = 0;
};

enum class Dir { Wire, Input, Output };

struct NetDecl {
  std::string name;
  Dir dir = Dir::Wire;
  bool has_range = false;
  int msb = 0, lsb = 0;
  int first_bit = -1;  // index into Parser::bits_
  Loc loc;
  int width() const { return std::abs(msb - lsb) + 1; }
  // Declared index of the i-th bit counted from the LSB.
  int index_of(int i) const { return msb >= lsb ? lsb + i : lsb - i; }
};

// A one-bit operand of an expression: a declared net bit or a constant.
struct BitRef {
  int net_bit = -1;  // >= 0: index into bits_
  bool value = false;  // when net_bit < 0
};

enum class DriverKind { None, Const, Input, Alias, Gate };

struct NetBit {
  int decl = -1;  // index into decls_
  int index = 0;  // declared index (for messages)
  DriverKind driver = DriverKind::None;
  int driver_value = 0;  // Const: 0/1; Input: input bit number; Alias: net bit; Gate: instance
  Loc driver_loc;
};

struct Instance {
  std::string cell;
  std::string name;
  Loc loc;
  const CellInfo* info = nullptr;
  std::vector<BitRef> inputs;  // per cell input pin
  std::vector<Loc> input_locs;
  int output_bit = -1;  // net bit driven; -1 when the output pin is open
};

class Parser {
 public:
  Parser(std::string_view text, std::string file, const liberty::Library& lib)
      : file_(std::move(file)), lib_(lib), toks_(detail::tokenize(text, file_)) {}

  Netlist run() {
    load_cells();
    parse_module();
    return build();
  }

 private:
  // ---------------------------------------------------------------- errors
  [[noreturn]] void fail(Loc at, const std::string& msg) const {
    throw NetlistError(file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.col) +
                       ": " + msg);
  }
  [[noreturn]] void fail(const Token& t, const std::string& msg) const {
    fail(Loc{t.line, t.col}, msg);
  }
  static std::string describe(const Token& t) {
    if (t.kind == Token::End) return "end of file";
    return "'" + t.text + "'";
  }

  // ---------------------------------------------------------------- tokens
  const Token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool is_sym(const Token& t, char c) const {
    return t.kind == Token::Symbol && t.text.size() == 1 && t.text[0] == c;
  }
  bool accept(char c) {
    if (is_sym(peek(), c)) {
      next();
      return true;
    }
    return false;
  }
  const Token& expect(char c, const char* context) {
    if (!is_sym(peek(), c))
      fail(peek(), std::string("expected '") + c + "' " + context + ", got " + describe(peek()));
    return next();
  }
  const Token& expect_ident(const char* what) {
    if (peek().kind != Token::Ident) fail(peek(), std::string("expected ") + what + ", got " + describe(peek()));
    return next();
  }
  int expect_int(const char* what) {
    const Token& t = peek();
    if (t.kind != Token::Number) fail(t, std::string("expected ") + what + ", got " + describe(t));
    next();
    const auto bits = detail::number_bits(t, file_);
    long v = 0;
    for (std::size_t i = 0; i < bits.size() && i < 31; ++i) v |= static_cast<long>(bits[i]) << i;
    for (std::size_t i = 31; i < bits.size(); ++i)
      if (bits[i]) fail(t, std::string(what) + " too large");
    return static_cast<int>(v);
  }

  // ----------------------------------------------------------------- cells
  void load_cells() {
    for (const auto& c : lib_.cells) {
      if (c.sequential || !c.has_truth || c.output.empty()) continue;
      CellInfo ci;
      ci.name = c.name;
      ci.inputs = c.inputs;
      ci.output = c.output;
      ci.truth = c.truth;
      ci.area = c.area;
      ci.transistors = c.transistors < 0 ? 0 : c.transistors;
      cells_.emplace(c.name, std::move(ci));
    }
  }

  // ---------------------------------------------------------------- module
  void parse_module() {
    const Token& kw = peek();
    if (kw.kind != Token::Ident || kw.text != "module")
      fail(kw, "expected 'module' at the start of the netlist, got " + describe(kw));
    next();
    module_ = expect_ident("a module name").text;
    if (is_sym(peek(), '#')) fail(peek(), "module parameters are not supported in a flat netlist");
    if (accept('(')) {
      if (!accept(')')) {
        do parse_header_port();
        while (accept(','));
        expect(')', "to close the port list");
      }
    }
    expect(';', "after the module header");
    while (true) {
      const Token& t = peek();
      if (t.kind == Token::End) fail(t, "missing 'endmodule'");
      if (t.kind != Token::Ident) fail(t, "expected a declaration, assign or cell instance, got " + describe(t));
      if (t.text == "endmodule") {
        next();
        break;
      }
      if (t.text == "input" || t.text == "output" || t.text == "wire") {
        parse_declaration(/*ansi=*/false);
      } else if (t.text == "assign") {
        next();
        do parse_assign();
        while (accept(','));
        expect(';', "after assign");
      } else if (t.text == "inout") {
        fail(t, "inout ports are not supported in a combinational netlist");
      } else if (t.text == "reg" || t.text == "always" || t.text == "initial") {
        fail(t, "'" + t.text + "' is behavioural Verilog; expected a structural netlist of cells");
      } else if (t.text == "parameter" || t.text == "localparam" || t.text == "generate" ||
                 t.text == "function" || t.text == "task" || t.text == "supply0" ||
                 t.text == "supply1" || t.text == "tri" || t.text == "integer") {
        fail(t, "'" + t.text + "' is not supported in a flat structural netlist");
      } else {
        parse_instance();
      }
    }
    if (peek().kind != Token::End) {
      const Token& t = peek();
      if (t.kind == Token::Ident && t.text == "module")
        fail(t, "a second module '" + peek(1).text +
                    "': expected a flat netlist with exactly one module (flatten it first)");
      fail(t, "unexpected " + describe(t) + " after endmodule");
    }
    for (const auto& [name, loc] : header_ports_) {
      const auto it = by_name_.find(name);
      if (it == by_name_.end() || decls_[static_cast<std::size_t>(it->second)].dir == Dir::Wire)
        fail(loc, "port '" + name + "' is listed in the module header but never declared input or output");
    }
  }

  // A port in the module header: a bare name (non-ANSI) or a declaration.
  void parse_header_port() {
    const Token& t = peek();
    if (t.kind == Token::Ident && (t.text == "input" || t.text == "output" || t.text == "inout")) {
      if (t.text == "inout") fail(t, "inout ports are not supported in a combinational netlist");
      parse_declaration(/*ansi=*/true);
      return;
    }
    const Token& name = expect_ident("a port name");
    for (const auto& [n, l] : header_ports_)
      if (n == name.text) fail(name, "port '" + n + "' listed twice in the module header");
    header_ports_.emplace_back(name.text, Loc{name.line, name.col});
  }

  // input|output|wire [wire] [signed] [msb:lsb] name {, name} ;   (ANSI: one
  // declaration per header entry, ended by ',' or ')').
  void parse_declaration(bool ansi) {
    const Token& kw = next();
    Dir dir = kw.text == "input" ? Dir::Input : kw.text == "output" ? Dir::Output : Dir::Wire;
    if (dir != Dir::Wire && peek().kind == Token::Ident && peek().text == "wire") next();
    if (peek().kind == Token::Ident && peek().text == "reg")
      fail(peek(), "'reg' is behavioural Verilog; expected a structural netlist of cells");
    if (peek().kind == Token::Ident && peek().text == "signed") next();
    bool has_range = false;
    int msb = 0, lsb = 0;
    if (accept('[')) {
      has_range = true;
      msb = expect_int("a range bound");
      expect(':', "in the range");
      lsb = expect_int("a range bound");
      expect(']', "to close the range");
      if (std::abs(msb - lsb) >= 1 << 20) fail(kw, "range too wide");
    }
    while (true) {
      const Token& name = expect_ident("a net name");
      declare(name, dir, has_range, msb, lsb);
      if (ansi) {
        header_ports_.emplace_back(name.text, Loc{name.line, name.col});
        // The next header entry may be another name of this declaration.
        if (is_sym(peek(), ',') && peek(1).kind == Token::Ident && peek(1).text != "input" &&
            peek(1).text != "output" && peek(1).text != "inout") {
          next();
          continue;
        }
        return;
      }
      if (dir == Dir::Wire && is_sym(peek(), '=')) {  // wire x = expr;
        const Token& eq = next();
        const auto lhs = whole_net(name);
        const auto rhs = parse_expr();
        connect_assign(lhs, rhs, Loc{eq.line, eq.col});
      }
      if (accept(',')) continue;
      expect(';', "after the declaration");
      return;
    }
  }

  void declare(const Token& name, Dir dir, bool has_range, int msb, int lsb) {
    const auto it = by_name_.find(name.text);
    if (it != by_name_.end()) {
      NetDecl& d = decls_[static_cast<std::size_t>(it->second)];
      // Yosys writes "input [7:0] a; wire [7:0] a;": a port may be
      // redeclared as a wire with the same range.
      const bool same_range = d.has_range == has_range && (!has_range || (d.msb == msb && d.lsb == lsb));
      if ((d.dir == Dir::Wire) == (dir == Dir::Wire) || !same_range)
        fail(name, "'" + name.text + "' is declared again (first at line " + std::to_string(d.loc.line) +
                       (same_range ? "" : " with another range") + ")");
      if (dir != Dir::Wire) d.dir = dir;
      return;
    }
    if (bits_.size() + static_cast<std::size_t>(std::abs(msb - lsb)) + 1 > kMaxNetBits)
      fail(name, "more than " + std::to_string(kMaxNetBits) + " declared net bits with '" + name.text +
                     "'; expected a netlist small enough to simulate");
    NetDecl d;
    d.name = name.text;
    d.dir = dir;
    d.has_range = has_range;
    d.msb = msb;
    d.lsb = lsb;
    d.loc = Loc{name.line, name.col};
    d.first_bit = static_cast<int>(bits_.size());
    const int decl_index = static_cast<int>(decls_.size());
    for (int i = 0; i < d.width(); ++i) {
      NetBit b;
      b.decl = decl_index;
      b.index = d.index_of(i);
      bits_.push_back(b);
    }
    by_name_.emplace(d.name, decl_index);
    decls_.push_back(d);
  }

  std::vector<BitRef> whole_net(const Token& name) {
    const NetDecl& d = lookup(name);
    std::vector<BitRef> out;
    for (int i = 0; i < d.width(); ++i) out.push_back(BitRef{d.first_bit + i, false});
    return out;
  }

  const NetDecl& lookup(const Token& name) const {
    const auto it = by_name_.find(name.text);
    if (it == by_name_.end()) fail(name, "undeclared net '" + name.text + "'");
    return decls_[static_cast<std::size_t>(it->second)];
  }

  // ----------------------------------------------------------- expressions
  // Returns the bits LSB first.
  std::vector<BitRef> parse_expr() {
    const Token& t = peek();
    if (t.kind == Token::Number) {
      next();
      std::vector<BitRef> out;
      for (bool b : detail::number_bits(t, file_)) out.push_back(BitRef{-1, b});
      return out;
    }
    if (is_sym(t, '{')) {
      next();
      // Replication {N{expr}}?
      if (peek().kind == Token::Number && is_sym(peek(1), '{')) {
        const int n = expect_int("a replication count");
        if (n < 1 || n > 4096) fail(t, "replication count out of range");
        next();
        std::vector<BitRef> inner = parse_concat_items();
        expect('}', "to close the replication");
        std::vector<BitRef> out;
        for (int k = 0; k < n; ++k) out.insert(out.end(), inner.begin(), inner.end());
        return out;
      }
      auto out = parse_concat_items();
      expect('}', "to close the concatenation");
      return out;
    }
    if (t.kind != Token::Ident) fail(t, "expected a net, constant or concatenation, got " + describe(t));
    next();
    const NetDecl& d = lookup(t);
    if (!accept('[')) return whole_net(t);
    const Token& at = peek();
    const int hi = expect_int("a bit index");
    int lo = hi;
    if (accept(':')) lo = expect_int("a bit index");
    expect(']', "to close the select");
    auto offset = [&](int index) {
      const int off = d.msb >= d.lsb ? index - d.lsb : d.lsb - index;
      if (!d.has_range || off < 0 || off >= d.width())
        fail(at, "index " + std::to_string(index) + " is outside '" + d.name + "'" +
                     (d.has_range ? " [" + std::to_string(d.msb) + ":" + std::to_string(d.lsb) + "]"
                                  : " (a single bit)"));
      return off;
    };
    const int ohi = offset(hi), olo = offset(lo);
    if (ohi < olo) fail(at, "part select [" + std::to_string(hi) + ":" + std::to_string(lo) +
                                "] runs against the declared direction of '" + d.name + "'");
    std::vector<BitRef> out;
    for (int o = olo; o <= ohi; ++o) out.push_back(BitRef{d.first_bit + o, false});
    return out;
  }

  // expr {, expr} inside braces; the first item is the most significant.
  std::vector<BitRef> parse_concat_items() {
    std::vector<std::vector<BitRef>> parts;
    do parts.push_back(parse_expr());
    while (accept(','));
    std::vector<BitRef> out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out.insert(out.end(), it->begin(), it->end());
    return out;
  }

  // ---------------------------------------------------------------- assign
  void parse_assign() {
    const Token& start = peek();
    const auto lhs = parse_expr();
    const Token& eq = expect('=', "in assign");
    (void)start;
    const auto rhs = parse_expr();
    connect_assign(lhs, rhs, Loc{eq.line, eq.col});
  }

  void connect_assign(const std::vector<BitRef>& lhs, std::vector<BitRef> rhs, Loc at) {
    const bool rhs_const = std::all_of(rhs.begin(), rhs.end(), [](const BitRef& b) { return b.net_bit < 0; });
    if (rhs.size() != lhs.size()) {
      if (!rhs_const)
        fail(at, "assign of " + std::to_string(rhs.size()) + " bits to " + std::to_string(lhs.size()) +
                     " bits; widths must match");
      rhs.resize(lhs.size(), BitRef{-1, false});  // constants extend with 0 / truncate
    }
    for (std::size_t i = 0; i < lhs.size(); ++i) {
      if (lhs[i].net_bit < 0) fail(at, "the left side of an assign must be a net, not a constant");
      if (rhs[i].net_bit < 0)
        drive(lhs[i].net_bit, DriverKind::Const, rhs[i].value ? 1 : 0, at, "an assign");
      else
        drive(lhs[i].net_bit, DriverKind::Alias, rhs[i].net_bit, at, "an assign");
    }
  }

  void drive(int net_bit, DriverKind kind, int value, Loc at, const std::string& by) {
    NetBit& b = bits_[static_cast<std::size_t>(net_bit)];
    const NetDecl& d = decls_[static_cast<std::size_t>(b.decl)];
    if (d.dir == Dir::Input)
      fail(at, by + " drives input port bit " + bit_name(net_bit) + "; inputs are driven from outside");
    if (b.driver != DriverKind::None)
      fail(at, "net " + bit_name(net_bit) + " is driven more than once (also by the " +
                   driver_text(b) + " at line " + std::to_string(b.driver_loc.line) + ")");
    b.driver = kind;
    b.driver_value = value;
    b.driver_loc = at;
  }

  std::string driver_text(const NetBit& b) const {
    switch (b.driver) {
      case DriverKind::Gate: {
        const Instance& g = insts_[static_cast<std::size_t>(b.driver_value)];
        return "output of " + g.cell + " instance '" + g.name + "'";
      }
      case DriverKind::Const:
      case DriverKind::Alias: return "assign";
      default: return "port";
    }
  }

  std::string bit_name(int net_bit) const {
    const NetBit& b = bits_[static_cast<std::size_t>(net_bit)];
    const NetDecl& d = decls_[static_cast<std::size_t>(b.decl)];
    if (!d.has_range) return d.name;
    return d.name + "[" + std::to_string(b.index) + "]";
  }

  // -------------------------------------------------------------- instance
  void parse_instance() {
    const Token& cell_tok = next();
    if (is_sym(peek(), '#'))
      fail(peek(), "parameterized instance of '" + cell_tok.text + "': expected a plain cell instance");
    const Token& name_tok = expect_ident("an instance name");
    if (is_sym(peek(), '[')) fail(peek(), "instance arrays are not supported");
    const liberty::LibCell* lc = lib_.find(cell_tok.text);
    if (!lc)
      fail(cell_tok, "unknown cell '" + cell_tok.text + "' (instance '" + name_tok.text +
                         "'): not in the cell library " + lib_.file);
    if (lc->sequential)
      fail(cell_tok, "sequential cell '" + cell_tok.text + "' (instance '" + name_tok.text +
                         "'): this tool reads combinational netlists only");
    const auto ci = cells_.find(cell_tok.text);
    if (ci == cells_.end())
      fail(cell_tok, "cell '" + cell_tok.text + "' has no single-output boolean function in " +
                         lib_.file + " (need at most 6 inputs and a 'function')");
    for (const auto& out : lc->outputs)
      if (out != lc->output)
        fail(cell_tok, "cell '" + cell_tok.text + "' has several outputs; only single-output cells are supported");
    if (insts_.size() >= kMaxInstances)
      fail(cell_tok, "more than " + std::to_string(kMaxInstances) +
                         " cell instances; expected a netlist small enough to simulate");
    Instance inst;
    inst.cell = cell_tok.text;
    inst.name = name_tok.text;
    inst.loc = Loc{cell_tok.line, cell_tok.col};
    inst.info = &ci->second;
    inst.inputs.assign(inst.info->inputs.size(), BitRef{});
    inst.input_locs.assign(inst.info->inputs.size(), Loc{});
    std::vector<bool> seen(inst.info->inputs.size(), false);
    bool output_seen = false;
    int output_bit = -1;
    Loc output_loc;
    expect('(', "after the instance name");
    if (!is_sym(peek(), ')')) {
      do {
        if (!is_sym(peek(), '.'))
          fail(peek(), "expected a named pin connection '.PIN(net)' in instance '" + inst.name +
                           "' (positional connections are not supported), got " + describe(peek()));
        next();
        const Token& pin = expect_ident("a pin name");
        expect('(', "after the pin name");
        std::vector<BitRef> conn;
        if (!is_sym(peek(), ')')) conn = parse_expr();
        expect(')', "to close the pin connection");
        const Loc at{pin.line, pin.col};
        if (pin.text == inst.info->output) {
          if (output_seen) fail(pin, "pin '" + pin.text + "' connected twice in instance '" + inst.name + "'");
          output_seen = true;
          if (conn.size() > 1) fail(pin, "pin '" + pin.text + "' is one bit, connected to " + std::to_string(conn.size()) + " bits");
          if (conn.size() == 1) {
            if (conn[0].net_bit < 0) fail(pin, "output pin '" + pin.text + "' of instance '" + inst.name + "' is connected to a constant");
            output_bit = conn[0].net_bit;
            output_loc = at;
          }
          continue;
        }
        const auto& ins = inst.info->inputs;
        const auto pit = std::find(ins.begin(), ins.end(), pin.text);
        if (pit == ins.end()) {
          std::string pins;
          for (const auto& p : ins) pins += p + ", ";
          pins += inst.info->output;
          fail(pin, "cell '" + inst.cell + "' has no pin '" + pin.text + "' (instance '" + inst.name +
                        "'; pins: " + pins + ")");
        }
        const auto k = static_cast<std::size_t>(pit - ins.begin());
        if (seen[k]) fail(pin, "pin '" + pin.text + "' connected twice in instance '" + inst.name + "'");
        if (conn.size() != 1)
          fail(pin, "input pin '" + pin.text + "' of instance '" + inst.name + "' must be connected to one bit, got " +
                        std::to_string(conn.size()));
        seen[k] = true;
        inst.inputs[k] = conn[0];
        inst.input_locs[k] = at;
      } while (accept(','));
    }
    expect(')', "to close the instance connections");
    expect(';', "after the instance");
    for (std::size_t k = 0; k < seen.size(); ++k)
      if (!seen[k])
        fail(inst.loc, "input pin '" + inst.info->inputs[k] + "' of " + inst.cell + " instance '" + inst.name +
                           "' is not connected");
    const int index = static_cast<int>(insts_.size());
    inst.output_bit = output_bit;
    insts_.push_back(std::move(inst));
    if (output_bit >= 0) drive(output_bit, DriverKind::Gate, index, output_loc, "instance '" + insts_.back().name + "'");
  }

  // ----------------------------------------------------------------- build
  // What a net bit finally carries.
  struct Source {
    enum Kind { Const, Input, Gate } kind = Const;
    int value = 0;
  };

  Source resolve(int net_bit, Loc use, const std::string& user) {
    std::vector<int> chain;
    int b = net_bit;
    while (true) {
      NetBit& nb = bits_[static_cast<std::size_t>(b)];
      Source found;
      switch (nb.driver) {
        case DriverKind::Const: found = Source{Source::Const, nb.driver_value}; break;
        case DriverKind::Input: found = Source{Source::Input, nb.driver_value}; break;
        case DriverKind::Gate: found = Source{Source::Gate, nb.driver_value}; break;
        case DriverKind::None:
          fail(use, "net " + bit_name(b) + (b == net_bit ? "" : " (reached from " + bit_name(net_bit) + ")") +
                        " is read by " + user + " but nothing drives it");
        case DriverKind::Alias:
          // A chain longer than the number of bits repeats one: a loop.
          if (chain.size() > bits_.size()) report_assign_loop(chain);
          chain.push_back(b);
          b = nb.driver_value;
          continue;
      }
      // Every bit of the chain carries the same source: remember it, so
      // each assign is followed once however many readers it has.
      for (int x : chain) {
        NetBit& alias = bits_[static_cast<std::size_t>(x)];
        alias.driver = found.kind == Source::Const   ? DriverKind::Const
                       : found.kind == Source::Input ? DriverKind::Input
                                                     : DriverKind::Gate;
        alias.driver_value = found.value;
      }
      return found;
    }
  }

  [[noreturn]] void report_assign_loop(const std::vector<int>& chain) {
    std::unordered_map<int, std::size_t> first;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const auto [it, fresh] = first.emplace(chain[i], i);
      if (fresh) continue;
      std::string loop;
      for (std::size_t k = it->second; k < i; ++k) loop += bit_name(chain[k]) + " -> ";
      fail(bits_[static_cast<std::size_t>(chain[i])].driver_loc,
           "combinational loop through assigns: " + loop + bit_name(chain[i]));
    }
    fail(Loc{}, "combinational loop through assigns");
  }


  Netlist build() {
    Netlist nl;
    nl.module = module_;
    nl.cells = cells_;
    // Ports in header order; input bits numbered 2.. in that order.
    int next_input = 2;
    for (const auto& [name, loc] : header_ports_) {
      const NetDecl& d = decls_[static_cast<std::size_t>(by_name_.at(name))];
      Port p;
      p.name = d.name;
      p.is_input = d.dir == Dir::Input;
      if (p.is_input) {
        for (int i = 0; i < d.width(); ++i) {
          NetBit& nb = bits_[static_cast<std::size_t>(d.first_bit + i)];
          if (nb.driver != DriverKind::None)
            fail(nb.driver_loc, "input port bit " + bit_name(d.first_bit + i) +
                                    " is driven inside the module; inputs are driven from outside");
          nb.driver = DriverKind::Input;
          nb.driver_value = next_input;
          p.bits.push_back(next_input++);
          nl.signal_names.push_back(bit_name(d.first_bit + i));
        }
      }
      nl.ports.push_back(std::move(p));
    }
    for (const auto& d : decls_)
      if (d.dir != Dir::Wire &&
          std::none_of(header_ports_.begin(), header_ports_.end(), [&](const auto& hp) { return hp.first == d.name; }))
        fail(d.loc, "'" + d.name + "' is declared " + (d.dir == Dir::Input ? "input" : "output") +
                        " but is not in the module's port list");

    // Resolve gate inputs; gate -> gate dependencies.
    const std::size_t n = insts_.size();
    std::vector<std::vector<Source>> gate_inputs(n);
    std::vector<std::vector<int>> users(n);
    std::vector<int> pending(n, 0);
    for (std::size_t g = 0; g < n; ++g) {
      const Instance& inst = insts_[g];
      for (std::size_t k = 0; k < inst.inputs.size(); ++k) {
        Source s{Source::Const, inst.inputs[k].value ? 1 : 0};
        if (inst.inputs[k].net_bit >= 0)
          s = resolve(inst.inputs[k].net_bit, inst.input_locs[k],
                      "pin '" + inst.info->inputs[k] + "' of instance '" + inst.name + "'");
        gate_inputs[g].push_back(s);
        if (s.kind == Source::Gate) {
          users[static_cast<std::size_t>(s.value)].push_back(static_cast<int>(g));
          ++pending[g];
        }
      }
    }
    // Kahn's algorithm, smallest source position first, so the order stays
    // close to the file's.
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (std::size_t g = 0; g < n; ++g)
      if (pending[g] == 0) ready.push(static_cast<int>(g));
    std::vector<int> order;
    order.reserve(n);
    while (!ready.empty()) {
      const int g = ready.top();
      ready.pop();
      order.push_back(g);
      for (int u : users[static_cast<std::size_t>(g)])
        if (--pending[static_cast<std::size_t>(u)] == 0) ready.push(u);
    }
    if (order.size() != n) report_loop(gate_inputs, pending);

    std::vector<int> signal_of(n, -1);
    const int first_gate = next_input;
    for (std::size_t i = 0; i < order.size(); ++i) signal_of[static_cast<std::size_t>(order[i])] = first_gate + static_cast<int>(i);
    auto signal = [&](const Source& s) {
      switch (s.kind) {
        case Source::Const: return s.value ? kConst1 : kConst0;
        case Source::Input: return s.value;
        case Source::Gate: return signal_of[static_cast<std::size_t>(s.value)];
      }
      return kConst0;
    };
    for (int g : order) {
      const Instance& inst = insts_[static_cast<std::size_t>(g)];
      Gate gate;
      gate.cell = inst.cell;
      gate.name = inst.name;
      for (const auto& s : gate_inputs[static_cast<std::size_t>(g)]) gate.inputs.push_back(signal(s));
      gate.output = signal_of[static_cast<std::size_t>(g)];
      nl.gates.push_back(std::move(gate));
      nl.signal_names.push_back(inst.output_bit >= 0 ? bit_name(inst.output_bit) : inst.name + "." + inst.info->output);
    }
    nl.num_signals = first_gate + static_cast<int>(n);

    // Output port bits.
    for (auto& p : nl.ports) {
      if (p.is_input) continue;
      const NetDecl& d = decls_[static_cast<std::size_t>(by_name_.at(p.name))];
      for (int i = 0; i < d.width(); ++i)
        p.bits.push_back(signal(resolve(d.first_bit + i, d.loc, "output port '" + d.name + "'")));
    }
    return nl;
  }

  [[noreturn]] void report_loop(const std::vector<std::vector<Source>>& gate_inputs,
                                const std::vector<int>& pending) {
    // Every gate left has a pending predecessor that is also left: walk
    // predecessors until one repeats; that stretch is a loop.
    std::size_t start = 0;
    while (pending[start] == 0) ++start;
    std::vector<int> path;
    std::vector<int> pos(insts_.size(), -1);
    int g = static_cast<int>(start);
    while (pos[static_cast<std::size_t>(g)] < 0) {
      pos[static_cast<std::size_t>(g)] = static_cast<int>(path.size());
      path.push_back(g);
      int pred = -1;
      for (const auto& s : gate_inputs[static_cast<std::size_t>(g)])
        if (s.kind == Source::Gate && pending[static_cast<std::size_t>(s.value)] > 0) {
          pred = s.value;
          break;
        }
      g = pred;
    }
    std::vector<int> loop(path.begin() + pos[static_cast<std::size_t>(g)], path.end());
    std::reverse(loop.begin(), loop.end());  // driver order
    std::string nets, names;
    for (int x : loop) {
      const Instance& inst = insts_[static_cast<std::size_t>(x)];
      nets += (inst.output_bit >= 0 ? bit_name(inst.output_bit) : inst.name) + " -> ";
      names += (names.empty() ? "" : ", ") + inst.name;
    }
    const Instance& first = insts_[static_cast<std::size_t>(loop.front())];
    nets += first.output_bit >= 0 ? bit_name(first.output_bit) : first.name;
    fail(first.loc, "combinational loop through nets " + nets + " (instances " + names + ")");
  }

  std::string file_;
  const liberty::Library& lib_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  std::map<std::string, CellInfo, std::less<>> cells_;
  std::string module_;
  std::vector<std::pair<std::string, Loc>> header_ports_;
  std::vector<NetDecl> decls_;
  std::unordered_map<std::string, int> by_name_;
  std::vector<NetBit> bits_;
  std::vector<Instance> insts_;
};

}  // namespace

Netlist parse_netlist(std::string_view text, const std::string& file_name, const liberty::Library& lib,
                      const NetlistExpect& expect) {
  Netlist nl = Parser(text, file_name, lib).run();
  if (!expect.empty()) check_ports(nl, expect, file_name);
  return nl;
}

Netlist read_netlist(const std::filesystem::path& file, const liberty::Library& lib, const NetlistExpect& expect) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw NetlistError(file.string() + ": cannot open the netlist file");
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > kMaxNetlistBytes)
    throw NetlistError(file.string() + ": " + std::to_string(size) + " bytes; expected a netlist of at most " +
                       std::to_string(kMaxNetlistBytes >> 20) + " MiB");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_netlist(ss.str(), file.string(), lib, expect);
}

void check_ports(const Netlist& nl, const NetlistExpect& expect, const std::string& where) {
  std::string wanted;
  for (const auto& e : expect) wanted += (wanted.empty() ? "" : ", ") + e.name + "[" + std::to_string(e.width) + "]";
  for (const auto& e : expect) {
    const Port* p = nl.port(e.name);
    if (!p) throw NetlistError(where + ": module '" + nl.module + "' has no port '" + e.name + "' (expected ports " + wanted + ")");
    if (static_cast<int>(p->bits.size()) != e.width)
      throw NetlistError(where + ": port '" + e.name + "' of module '" + nl.module + "' is " +
                         std::to_string(p->bits.size()) + " bits wide, expected " + std::to_string(e.width));
  }
  for (const auto& p : nl.ports)
    if (std::none_of(expect.begin(), expect.end(), [&](const PortWidth& e) { return e.name == p.name; }))
      throw NetlistError(where + ": module '" + nl.module + "' has port '" + p.name +
                         "' that the expected interface (" + wanted + ") does not have");
}

}  // namespace flowrun::gates
