// Tokens of the structural-Verilog subset read by read_netlist: identifiers
// (escaped ones without their backslash), numbers (sized constants such as
// 1'b0 or 16'h00ff, and plain decimals), single-character symbols. Comments
// and (* attributes *) are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::gates::detail {

struct Token {
  enum Kind { Ident, Number, Symbol, End } kind = End;
  std::string text;  // identifier name, number text, or the symbol
  int line = 0;
  int col = 0;
};

// Splits `text` into tokens; throws NetlistError ("file:line:col: ...") for
// characters or constructs outside the subset.
std::vector<Token> tokenize(std::string_view text, const std::string& file_name);

// The bits of a number token, LSB first, sized as written (plain decimals
// are 32 bits). Throws NetlistError for x/z digits or malformed numbers.
std::vector<bool> number_bits(const Token& tok, const std::string& file_name);

}  // namespace flowrun::gates::detail
