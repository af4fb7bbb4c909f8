// Tokenizer and recursive-descent parser for the generic Liberty syntax.
#include "syntax.hpp"

#include <flowrun_liberty/liberty.hpp>

#include <cctype>

namespace flowrun::liberty::detail {
namespace {

// Real libraries nest groups about six deep (library, cell, pin, timing,
// table); a bound keeps hostile input from exhausting the stack.
constexpr int kMaxGroupDepth = 64;

enum class Tok { Word, String, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // word or string contents, or the punctuation char
  int line = 0;
  std::size_t begin = 0, end = 0;  // byte range in the text
};

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  Token next() {
    skip_space_and_comments();
    Token t;
    t.line = line_;
    t.begin = t.end = i_;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (c == '"') {
      ++i_;
      std::string out;
      while (true) {
        if (i_ >= s_.size()) fail(t.line, "expected a closing '\"' for the string started here");
        char d = s_[i_++];
        if (d == '"') break;
        if (d == '\\' && i_ < s_.size()) {
          // Backslash-newline continues a string over lines; others are kept.
          if (s_[i_] == '\n') { ++line_; ++i_; continue; }
          if (s_[i_] == '\r' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') { ++line_; i_ += 2; continue; }
          out += d;
          out += s_[i_++];
          continue;
        }
        if (d == '\n') ++line_;
        out += d;
      }
      t.kind = Tok::String;
      t.text = std::move(out);
      t.end = i_;
      return t;
    }
    if (is_punct(c)) {
      ++i_;
      t.kind = Tok::Punct;
      t.text = std::string(1, c);
      t.end = i_;
      return t;
    }
    std::size_t start = i_;
    while (i_ < s_.size() && !is_punct(s_[i_]) && s_[i_] != '"' &&
           !std::isspace(static_cast<unsigned char>(s_[i_])) && !starts_comment())
      ++i_;
    if (i_ == start) fail(line_, std::string("unexpected character '") + c + "'");
    t.kind = Tok::Word;
    t.text = std::string(s_.substr(start, i_ - start));
    t.end = i_;
    return t;
  }

  [[noreturn]] void fail(int line, const std::string& what) const {
    throw LibertyError(file_ + ":" + std::to_string(line) + ": " + what);
  }

 private:
  static bool is_punct(char c) {
    return c == '(' || c == ')' || c == '{' || c == '}' || c == ':' || c == ';' || c == ',';
  }
  bool starts_comment() const {
    return i_ + 1 < s_.size() && s_[i_] == '/' && (s_[i_ + 1] == '*' || s_[i_ + 1] == '/');
  }
  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') { ++line_; ++i_; continue; }
      if (std::isspace(static_cast<unsigned char>(c))) { ++i_; continue; }
      if (c == '\\') { ++i_; continue; }  // line continuation outside strings
      if (starts_comment() && s_[i_ + 1] == '*') {
        int start = line_;
        i_ += 2;
        while (i_ + 1 < s_.size() && !(s_[i_] == '*' && s_[i_ + 1] == '/')) {
          if (s_[i_] == '\n') ++line_;
          ++i_;
        }
        if (i_ + 1 >= s_.size()) fail(start, "expected '*/' to close the comment started here");
        i_ += 2;
        continue;
      }
      if (starts_comment()) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      break;
    }
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t i_ = 0;
  int line_ = 1;
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : lex_(text, file) { advance(); }

  Group parse_file() {
    if (tok_.kind != Tok::Word)
      lex_.fail(tok_.line, "expected a library group such as 'library (name) {', got " + describe(tok_));
    Token name = tok_;
    advance();
    Group g = parse_group_after_name(name);
    if (tok_.kind != Tok::End)
      lex_.fail(tok_.line, "expected the end of the file after the library group, got " + describe(tok_));
    return g;
  }

 private:
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::End: return "the end of the file";
      case Tok::String: return "string \"" + t.text + "\"";
      default: return "'" + t.text + "'";
    }
  }
  void advance() { tok_ = lex_.next(); }
  bool is(const char* punct) const { return tok_.kind == Tok::Punct && tok_.text == punct; }
  void expect(const char* punct, const std::string& context) {
    if (!is(punct))
      lex_.fail(tok_.line, std::string("expected '") + punct + "' " + context + ", got " + describe(tok_));
    advance();
  }

  // After NAME, at '(': args ')' then '{' body '}' (a group) or ';' (a
  // complex attribute, handled by the caller through parse_statement).
  std::vector<std::string> parse_args(const Token& name) {
    expect("(", "after '" + name.text + "'");
    std::vector<std::string> args;
    while (!is(")")) {
      if (tok_.kind == Tok::End || is("{") || is("}") || is(";"))
        lex_.fail(tok_.line, "expected ')' to close the arguments of '" + name.text + "', got " + describe(tok_));
      if (is(",")) { advance(); continue; }
      if (tok_.kind == Tok::Punct)
        lex_.fail(tok_.line, "expected a value in the arguments of '" + name.text + "', got " + describe(tok_));
      args.push_back(tok_.text);
      advance();
    }
    advance();
    return args;
  }

  Group parse_group_after_name(const Token& name) {
    Group g;
    g.type = name.text;
    g.line = name.line;
    g.begin = name.begin;
    g.args = parse_args(name);
    expect("{", "to open the body of group '" + name.text + "'");
    parse_body(g, 1);
    return g;
  }

  void parse_body(Group& g, int depth) {
    while (!is("}")) {
      if (tok_.kind == Tok::End)
        lex_.fail(g.line, "expected '}' to close group '" + g.type + "' opened here");
      if (is(";")) { advance(); continue; }
      if (tok_.kind != Tok::Word)
        lex_.fail(tok_.line, "expected an attribute or group name in '" + g.type + "', got " + describe(tok_));
      Token name = tok_;
      advance();
      if (is(":")) {
        advance();
        if (tok_.kind != Tok::Word && tok_.kind != Tok::String)
          lex_.fail(tok_.line, "expected a value for attribute '" + name.text + "', got " + describe(tok_));
        Attribute a{name.text, {tok_.text}, true, name.line};
        advance();
        // Some writers put an unquoted expression with spaces; keep gluing
        // words until the terminating ';' or the end of the line's statement.
        while (tok_.kind == Tok::Word && tok_.line == a.line) {
          a.values[0] += " " + tok_.text;
          advance();
        }
        if (is(";")) advance();
        else if (!is("}") && tok_.line == a.line)
          lex_.fail(tok_.line, "expected ';' after the value of '" + name.text + "', got " + describe(tok_));
        g.attributes.push_back(std::move(a));
      } else if (is("(")) {
        std::vector<std::string> args = parse_args(name);
        if (is("{")) {
          if (depth >= kMaxGroupDepth)
            lex_.fail(name.line, "expected groups nested at most " + std::to_string(kMaxGroupDepth) +
                                     " deep, group '" + name.text + "' is deeper");
          advance();
          Group child;
          child.type = name.text;
          child.line = name.line;
          child.begin = name.begin;
          child.args = std::move(args);
          parse_body(child, depth + 1);
          g.groups.push_back(std::move(child));
        } else {
          if (is(";")) advance();
          g.attributes.push_back(Attribute{name.text, std::move(args), false, name.line});
        }
      } else {
        lex_.fail(tok_.line, "expected ':' or '(' after '" + name.text + "', got " + describe(tok_));
      }
    }
    g.end = tok_.end;
    advance();  // '}'
  }

  Lexer lex_;
  Token tok_;
};

}  // namespace

Group parse_syntax(std::string_view text, const std::string& file) {
  Parser p(text, file);
  return p.parse_file();
}

}  // namespace flowrun::liberty::detail
