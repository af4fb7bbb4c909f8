// Liberty boolean functions ("!(A&B)", "A'B + C", "(A^B)") to truth tables.
// Evaluated on all 2^n assignments at once: each variable is a 64-bit word
// whose bit i is its value in assignment i, so one pass over the
// expression gives the whole table.
#include <flowrun_liberty/liberty.hpp>

#include <cctype>

namespace flowrun::liberty {
namespace {

constexpr std::uint64_t kAll = ~std::uint64_t{0};

class FunctionParser {
 public:
  FunctionParser(std::string_view e, const std::vector<std::string>& vars, const std::string& where)
      : e_(e), vars_(vars), where_(where) {}

  std::uint64_t parse() {
    std::uint64_t v = parse_or();
    skip_space();
    if (i_ < e_.size()) fail(std::string("expected an operator or the end, got '") + e_[i_] + "'");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw LibertyError(where_ + ": in function \"" + std::string(e_) + "\" at column " +
                       std::to_string(i_ + 1) + ": " + what);
  }
  void skip_space() {
    while (i_ < e_.size() && std::isspace(static_cast<unsigned char>(e_[i_]))) ++i_;
  }
  bool take(char c) {
    skip_space();
    if (i_ < e_.size() && e_[i_] == c) { ++i_; return true; }
    return false;
  }
  static bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '[' || c == ']' ||
           c == '.' || c == '$';
  }
  // Does a primary start here (for AND by juxtaposition)?
  bool primary_starts() {
    skip_space();
    if (i_ >= e_.size()) return false;
    char c = e_[i_];
    return c == '(' || c == '!' || ident_char(c);
  }

  std::uint64_t parse_or() {
    std::uint64_t v = parse_and();
    while (take('+') || take('|')) v |= parse_and();
    return v;
  }
  std::uint64_t parse_and() {
    std::uint64_t v = parse_xor();
    while (true) {
      if (take('*') || take('&')) v &= parse_xor();
      else if (primary_starts()) v &= parse_xor();
      else return v;
    }
  }
  std::uint64_t parse_xor() {
    std::uint64_t v = parse_unary();
    while (take('^')) v ^= parse_unary();
    return v;
  }
  // Parentheses and prefix NOTs recurse; hostile text could nest them
  // until the stack runs out, real functions nest a few levels.
  static constexpr int kMaxNesting = 256;
  struct Nest {
    explicit Nest(FunctionParser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting)
        p_.fail("expected parentheses and '!' nested at most " + std::to_string(kMaxNesting) + " deep");
    }
    ~Nest() { --p_.depth_; }
    FunctionParser& p_;
  };

  std::uint64_t parse_unary() {
    if (take('!')) {
      Nest nest(*this);
      return ~parse_unary() & mask();
    }
    std::uint64_t v = parse_primary();
    while (take('\'')) v = ~v & mask();
    return v;
  }
  std::uint64_t parse_primary() {
    skip_space();
    if (i_ >= e_.size()) fail("expected a pin name, a constant or '(', got the end");
    if (take('(')) {
      Nest nest(*this);
      std::uint64_t v = parse_or();
      if (!take(')')) fail("expected ')'");
      return v;
    }
    std::size_t start = i_;
    while (i_ < e_.size() && ident_char(e_[i_])) ++i_;
    if (i_ == start) fail(std::string("expected a pin name, a constant or '(', got '") + e_[i_] + "'");
    std::string name(e_.substr(start, i_ - start));
    if (name == "0") return 0;
    if (name == "1") return mask();
    for (std::size_t k = 0; k < vars_.size(); ++k)
      if (vars_[k] == name) return variable(k);
    i_ = start;  // point the message at the name
    fail("unknown pin '" + name + "' (the cell's inputs are: " + joined() + ")");
  }

  std::uint64_t mask() const {
    std::size_t rows = std::size_t{1} << vars_.size();
    return rows >= 64 ? kAll : ((std::uint64_t{1} << rows) - 1);
  }
  // Bit i set when bit k of i is set.
  std::uint64_t variable(std::size_t k) const {
    std::uint64_t v = 0;
    std::size_t rows = std::size_t{1} << vars_.size();
    for (std::size_t i = 0; i < rows; ++i)
      if ((i >> k) & 1u) v |= std::uint64_t{1} << i;
    return v;
  }
  std::string joined() const {
    std::string s;
    for (const auto& v : vars_) s += (s.empty() ? "" : ", ") + v;
    return s.empty() ? "none" : s;
  }

  std::string_view e_;
  const std::vector<std::string>& vars_;
  const std::string& where_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

std::uint64_t function_truth(std::string_view expression, const std::vector<std::string>& variables,
                             const std::string& where) {
  if (variables.size() > 6)
    throw LibertyError(where + ": a truth table holds at most 6 inputs, the function has " +
                       std::to_string(variables.size()));
  return FunctionParser(expression, variables, where).parse();
}

}  // namespace flowrun::liberty
