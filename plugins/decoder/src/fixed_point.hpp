// Signed two's-complement fixed-point arithmetic for the decoder flow:
// Q-formats, rounding, saturation and the rule that picks fractional bits
// from an observed range. Every conversion from real numbers to the
// integers the hardware sees goes through this file, so the quantizer, the
// testbench vectors and the documentation agree on one definition.
#pragma once

#include <cstdint>
#include <string>

namespace flowrun::decoder {

// A signed fixed-point format: `bits` total bits (sign included) and
// `frac_bits` fractional bits, so integer q stands for q * 2^-frac_bits.
// frac_bits may be negative (values coarser than 1) or exceed bits - 1
// (values smaller than 1/2); the integer range is always
// [-2^(bits-1), 2^(bits-1) - 1].
struct QFormat {
  int bits = 16;
  int frac_bits = 0;

  // bits is at most 64.
  std::int64_t min_int() const { return bits >= 64 ? INT64_MIN : -(std::int64_t{1} << (bits - 1)); }
  std::int64_t max_int() const { return bits >= 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1; }
  // 2^frac_bits as a double (exact for the ranges used here).
  double scale() const;
  double to_real(std::int64_t q) const { return static_cast<double>(q) / scale(); }
  // "Q4.12": integer bits (sign included) . fractional bits.
  std::string name() const;
};

enum class Rounding {
  NearestEven,  // round to nearest, ties to the even integer
  Truncate,     // drop the fraction bits of the two's-complement value (floor)
};

Rounding parse_rounding(const std::string& text);  // throws std::invalid_argument
const char* to_string(Rounding r);

// Rounds a real number to an integer with the given rule.
double round_with(double x, Rounding mode);

struct Quantized {
  std::int64_t value = 0;
  bool out_of_range = false;  // the rounded value did not fit the format
};

// Converts x to format q. Values outside the integer range are clamped to
// the nearest end when `saturate`, otherwise wrapped modulo 2^bits (what a
// plain bit-slice does in hardware). out_of_range is set in both cases.
// x must be finite.
Quantized quantize(double x, const QFormat& q, Rounding mode, bool saturate);

// Wraps an integer into the signed `bits`-bit range (two's complement).
std::int64_t wrap_to_bits(std::int64_t v, int bits);

// The fractional-bit rule: the largest frac_bits such that max_abs,
// scaled by 2^frac_bits, is at most 2^(bits-1-headroom_bits) - 1, i.e. the
// observed range fits without saturation and `headroom_bits` extra integer
// bits are left above it. max_abs == 0 gives bits - 1. The result is
// clamped to [-64, 64] so the formats stay meaningful.
int choose_frac_bits(double max_abs, int bits, int headroom_bits = 0);

}  // namespace flowrun::decoder
