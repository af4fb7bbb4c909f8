// Small helpers for writing Verilog-2005 text: legal identifiers and
// sized two's-complement literals.
#pragma once

#include <cstdint>
#include <string>

namespace flowrun::decoder {

// Turns any text into a legal, non-keyword Verilog identifier: characters
// outside [A-Za-z0-9_] become '_', a leading digit or '$' gets a "m_"
// prefix, an empty name becomes "m_", and Verilog/SystemVerilog keywords
// get a trailing '_'. Stable: sanitizing a legal identifier returns it.
std::string sanitize_identifier(const std::string& name);

// Text from user data (e.g. a qmodel's provenance strings) made safe for
// one `//` comment line: every control character, the line breaks above
// all, becomes a space, so the text cannot end the comment and start code.
std::string comment_text(const std::string& text);

// A sized signed hex literal of `value` in `bits` bits, e.g.
// hex_literal(-123, 16) == "16'shff85". value must fit the width.
std::string hex_literal(std::int64_t value, int bits);

// Lower-case hex digits of the low `bits` bits of value (two's complement),
// zero-padded to ceil(bits/4) digits; for $readmemh files.
std::string hex_digits(std::int64_t value, int bits);

}  // namespace flowrun::decoder
