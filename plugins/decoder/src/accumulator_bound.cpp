#include "accumulator_bound.hpp"

#include <flowrun/stage.hpp>

namespace flowrun::decoder {

std::string to_decimal(__int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : v;
  std::string s;
  while (u) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

static __int128 abs128(std::int64_t v) { return v < 0 ? -static_cast<__int128>(v) : v; }

AccumulatorBound accumulator_bound(const std::vector<std::int64_t>& weights,
                                   std::int64_t bias, int feature_bits,
                                   int weight_bits) {
  AccumulatorBound b;
  const __int128 max_feature = static_cast<__int128>(1) << (feature_bits - 1);
  for (std::int64_t w : weights) b.bound += abs128(w) * max_feature;
  b.bound += abs128(bias);
  b.required_bits = 1;
  while (b.required_bits < 127 &&
         b.bound > (static_cast<__int128>(1) << (b.required_bits - 1)) - 1) {
    ++b.required_bits;
  }
  int log_terms = 0;  // ceil(log2(terms + 1))
  while ((std::size_t{1} << log_terms) < weights.size() + 1) ++log_terms;
  b.worst_case_bits = feature_bits + weight_bits - 1 + log_terms;
  return b;
}

void check_accumulator(const AccumulatorBound& b, int acc_bits, int feature_bits,
                       int weight_bits, std::size_t terms, const std::string& what) {
  if (b.required_bits <= acc_bits) return;
  throw StageError(
      what + ": acc_bits=" + std::to_string(acc_bits) +
      " is too narrow: " + std::to_string(terms) + " products of feature_bits=" +
      std::to_string(feature_bits) + " x weight_bits=" + std::to_string(weight_bits) +
      " plus the bias can reach |acc| <= " + to_decimal(b.bound) + ", which needs " +
      std::to_string(b.required_bits) + " signed bits (the accumulator could overflow); "
      "raise acc_bits to at least " + std::to_string(b.required_bits));
}

}  // namespace flowrun::decoder
