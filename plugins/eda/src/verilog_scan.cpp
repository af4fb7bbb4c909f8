#include "verilog_scan.hpp"

#include <flowrun/stage.hpp>

#include <cctype>

namespace flowrun::eda {
namespace {

// Tokens: identifiers (plain or \escaped), and single punctuation chars;
// comments and attributes (* ... *) are skipped.
std::vector<std::string> tokenize(std::string_view s) {
  std::vector<std::string> t;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') { while (i < s.size() && s[i] != '\n') ++i; continue; }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      std::size_t e = s.find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
      continue;
    }
    if (c == '(' && i + 1 < s.size() && s[i + 1] == '*') {
      std::size_t e = s.find("*)", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
      continue;
    }
    if (c == '\\') {
      std::size_t b = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      t.emplace_back(s.substr(b, i - b));
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '\'') {
      std::size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '$' ||
                              s[i] == '\''))
        ++i;
      t.emplace_back(s.substr(b, i - b));
      continue;
    }
    t.emplace_back(1, c);
    ++i;
  }
  return t;
}

bool is_ident(const std::string& s) {
  return !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '\\');
}

}  // namespace

std::vector<ScannedModule> scan_verilog_modules(std::string_view text) {
  std::vector<std::string> t = tokenize(text);
  std::vector<ScannedModule> mods;
  ScannedModule* cur = nullptr;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == "module" && i + 1 < t.size()) {
      mods.push_back({t[i + 1], {}, {}, {}});
      cur = &mods.back();
      ++i;
      continue;
    }
    if (!cur) continue;
    if (t[i] == "endmodule") { cur = nullptr; continue; }
    // Statement starts: after ';' or at the module header end.
    bool stmt_start = i > 0 && (t[i - 1] == ";" || t[i - 1] == ")");
    if (!stmt_start) continue;
    if (t[i] == "input" || t[i] == "output") {
      // input [3:0] a, b;  -> names before ';' that are identifiers outside [...]
      auto& set = t[i] == "input" ? cur->inputs : cur->outputs;
      int depth = 0;
      for (std::size_t k = i + 1; k < t.size() && t[k] != ";"; ++k) {
        if (t[k] == "[") ++depth;
        else if (t[k] == "]") --depth;
        else if (depth == 0 && is_ident(t[k]) && t[k] != "wire" && t[k] != "reg" && t[k] != "signed")
          set.insert(t[k]);
      }
      continue;
    }
    // TYPE NAME ( ...  : an instance.
    static const std::set<std::string> keywords = {"wire", "reg", "assign", "always", "initial", "input",
                                                   "output", "inout", "parameter", "localparam", "integer",
                                                   "genvar", "generate", "endgenerate", "function", "task"};
    if (is_ident(t[i]) && !keywords.count(t[i]) && i + 2 < t.size() && is_ident(t[i + 1]) &&
        (t[i + 2] == "(" || t[i + 2] == "["))
      cur->instantiates.insert(t[i]);
    else if (is_ident(t[i]) && !keywords.count(t[i]) && i + 1 < t.size() && t[i + 1] == "#")
      cur->instantiates.insert(t[i]);
  }
  return mods;
}

const ScannedModule& pick_top(const std::vector<ScannedModule>& mods, const std::string& wanted,
                              const std::string& file) {
  if (mods.empty()) throw StageError(file + ": expected a Verilog module, found none");
  if (!wanted.empty()) {
    for (const auto& m : mods)
      if (m.name == wanted) return m;
    throw StageError(file + ": no module named '" + wanted + "' (top param)");
  }
  const ScannedModule* top = nullptr;
  for (const auto& m : mods) {
    bool used = false;
    for (const auto& o : mods) used = used || o.instantiates.count(m.name);
    if (used) continue;
    if (top)
      throw StageError(file + ": several candidate top modules ('" + top->name + "', '" + m.name +
                       "'); set the top param");
    top = &m;
  }
  if (!top) throw StageError(file + ": cannot tell the top module; set the top param");
  return *top;
}

}  // namespace flowrun::eda
