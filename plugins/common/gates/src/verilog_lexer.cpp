#include "verilog_lexer.hpp"

#include <flowrun_gates/netlist.hpp>

#include <cctype>

namespace flowrun::gates::detail {

namespace {

[[noreturn]] void fail(const std::string& file, int line, int col, const std::string& msg) {
  throw NetlistError(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + msg);
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

}  // namespace

std::vector<Token> tokenize(std::string_view s, const std::string& file) {
  std::vector<Token> out;
  int line = 1, col = 1;
  std::size_t i = 0;
  auto advance = [&](std::size_t n) {
    for (std::size_t k = 0; k < n && i < s.size(); ++k, ++i) {
      if (s[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance(1);
      continue;
    }
    if (s.substr(i, 2) == "//") {
      while (i < s.size() && s[i] != '\n') advance(1);
      continue;
    }
    if (s.substr(i, 2) == "/*" || s.substr(i, 2) == "(*") {
      const std::string_view close = s[i] == '/' ? "*/" : "*)";
      const int l0 = line, c0 = col;
      const auto end = s.find(close, i + 2);
      if (end == std::string_view::npos)
        fail(file, l0, c0, std::string("unterminated ") + (s[i] == '/' ? "comment" : "attribute"));
      advance(end + 2 - i);
      continue;
    }
    Token t;
    t.line = line;
    t.col = col;
    if (c == '`') fail(file, line, col, "compiler directives (`...) are not supported in a netlist");
    if (c == '\\') {  // escaped identifier: up to the next white space
      std::size_t j = i + 1;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j == i + 1) fail(file, line, col, "empty escaped identifier");
      t.kind = Token::Ident;
      t.text = std::string(s.substr(i + 1, j - i - 1));
      advance(j - i);
    } else if (ident_start(c)) {
      std::size_t j = i;
      while (j < s.size() && ident_char(s[j])) ++j;
      t.kind = Token::Ident;
      t.text = std::string(s.substr(i, j - i));
      advance(j - i);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '\'') {
      // [size] ' [s] base digits   |   decimal
      std::size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      if (j < s.size() && s[j] == '\'') {
        ++j;
        if (j < s.size() && (s[j] == 's' || s[j] == 'S')) ++j;
        if (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;  // base
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '\n') ++j;
        while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' ||
                                s[j] == '?'))
          ++j;
      }
      t.kind = Token::Number;
      t.text = std::string(s.substr(i, j - i));
      advance(j - i);
    } else if (std::string_view("()[]{},;:.=#").find(c) != std::string_view::npos) {
      t.kind = Token::Symbol;
      t.text = std::string(1, c);
      advance(1);
    } else {
      fail(file, line, col,
           std::string("unexpected character '") + c + "' (not part of a structural netlist)");
    }
    // Tokens take ~50 bytes each: bound them before they take gigabytes.
    if (out.size() >= kMaxTokens)
      fail(file, t.line, t.col,
           "more than " + std::to_string(kMaxTokens) + " tokens; expected a netlist small enough to simulate");
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Token::End;
  end.line = line;
  end.col = col;
  end.text = "end of file";
  out.push_back(end);
  return out;
}

std::vector<bool> number_bits(const Token& tok, const std::string& file) {
  const std::string& s = tok.text;
  auto bad = [&](const std::string& why) -> std::vector<bool> {
    fail(file, tok.line, tok.col, "bad constant '" + s + "': " + why);
  };
  const auto q = s.find('\'');
  std::string digits;
  int width = 32;
  char base = 'd';
  if (q == std::string::npos) {
    digits = s;
  } else {
    if (q > 0) {
      std::string w;
      for (char c : s.substr(0, q))
        if (c != '_') w += c;
      if (w.empty() || w.size() > 4) return bad("expected a width of 1 to 1024 bits");
      width = std::stoi(w);
      if (width < 1 || width > 1024) return bad("expected a width of 1 to 1024 bits");
    }
    std::size_t j = q + 1;
    if (j < s.size() && (s[j] == 's' || s[j] == 'S')) ++j;
    if (j >= s.size()) return bad("missing base");
    base = static_cast<char>(std::tolower(static_cast<unsigned char>(s[j])));
    ++j;
    for (; j < s.size(); ++j)
      if (!std::isspace(static_cast<unsigned char>(s[j]))) digits += s[j];
  }
  std::string clean;
  for (char c : digits)
    if (c != '_') clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (clean.empty()) return bad("missing digits");
  for (char c : clean)
    if (c == 'x' || c == 'z' || c == '?') return bad("x and z values are not supported");
  std::vector<bool> bits;  // LSB first, as many as the digits give
  int per_digit = 0;
  switch (base) {
    case 'b': per_digit = 1; break;
    case 'o': per_digit = 3; break;
    case 'h': per_digit = 4; break;
    case 'd': per_digit = 0; break;
    default: return bad(std::string("unknown base '") + base + "'");
  }
  if (per_digit) {
    for (auto it = clean.rbegin(); it != clean.rend(); ++it) {
      int v;
      const char c = *it;
      if (c >= '0' && c <= '9')
        v = c - '0';
      else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
      else
        return bad(std::string("unexpected digit '") + c + "'");
      if (v >= (1 << per_digit)) return bad(std::string("digit '") + c + "' too large for the base");
      for (int b = 0; b < per_digit; ++b) bits.push_back((v >> b) & 1);
    }
  } else {
    if (clean.size() > 18) return bad("decimal constant too large");
    std::uint64_t v = 0;
    for (char c : clean) {
      if (c < '0' || c > '9') return bad(std::string("unexpected digit '") + c + "'");
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    for (int b = 0; b < 64; ++b) bits.push_back((v >> b) & 1);
  }
  bits.resize(static_cast<std::size_t>(width), false);  // truncate or zero-extend
  return bits;
}

}  // namespace flowrun::gates::detail
