#include "fixed_point.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flowrun::decoder {

double QFormat::scale() const { return std::ldexp(1.0, frac_bits); }

std::string QFormat::name() const {
  return "Q" + std::to_string(bits - frac_bits) + "." + std::to_string(frac_bits);
}

Rounding parse_rounding(const std::string& text) {
  if (text == "nearest_even") return Rounding::NearestEven;
  if (text == "truncate") return Rounding::Truncate;
  throw std::invalid_argument("unknown rounding '" + text +
                              "' (expected nearest_even or truncate)");
}

const char* to_string(Rounding r) {
  return r == Rounding::NearestEven ? "nearest_even" : "truncate";
}

double round_with(double x, Rounding mode) {
  const double lo = std::floor(x);
  if (mode == Rounding::Truncate) return lo;
  const double diff = x - lo;  // exact: x and floor(x) share an exponent range
  if (diff > 0.5) return lo + 1;
  if (diff < 0.5) return lo;
  return std::fmod(lo, 2.0) == 0 ? lo : lo + 1;  // tie: pick the even one
}

std::int64_t wrap_to_bits(std::int64_t v, int bits) {
  if (bits >= 64) return v;
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  std::uint64_t u = static_cast<std::uint64_t>(v) & mask;
  if (u >> (bits - 1)) u |= ~mask;  // sign-extend
  return static_cast<std::int64_t>(u);
}

Quantized quantize(double x, const QFormat& q, Rounding mode, bool saturate) {
  if (!std::isfinite(x)) throw std::invalid_argument("cannot quantize a non-finite value");
  const double r = round_with(std::ldexp(x, q.frac_bits), mode);
  const double lo = static_cast<double>(q.min_int());
  const double hi = static_cast<double>(q.max_int());
  Quantized out;
  if (r >= lo && r <= hi) {
    out.value = static_cast<std::int64_t>(r);
    return out;
  }
  out.out_of_range = true;
  if (saturate) {
    out.value = r < lo ? q.min_int() : q.max_int();
  } else {
    // Wrap like a bit-slice of the exact integer. Values beyond 2^62 are
    // reduced with fmod first so the conversion stays defined.
    const double m = std::ldexp(1.0, q.bits);
    double w = std::fmod(r, m);
    if (w < 0) w += m;
    out.value = wrap_to_bits(static_cast<std::int64_t>(w), q.bits);
  }
  return out;
}

int choose_frac_bits(double max_abs, int bits, int headroom_bits) {
  const int usable = bits - 1 - headroom_bits;  // magnitude bits left for the data
  if (usable < 1) {
    throw std::invalid_argument("headroom of " + std::to_string(headroom_bits) +
                                " bits leaves no magnitude bits in a " +
                                std::to_string(bits) + "-bit format");
  }
  if (!(max_abs > 0)) return std::clamp(usable, -64, 64);
  const double limit = std::ldexp(1.0, usable) - 1;  // largest integer allowed
  // Start from the estimate and correct for floating-point edge cases so
  // the rule holds exactly: max_abs * 2^f <= limit < max_abs * 2^(f+1).
  int f = static_cast<int>(std::floor(std::log2(limit / max_abs)));
  while (std::ldexp(max_abs, f) > limit) --f;
  while (std::ldexp(max_abs, f + 1) <= limit) ++f;
  return std::clamp(f, -64, 64);
}

}  // namespace flowrun::decoder
