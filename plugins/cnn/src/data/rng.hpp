// Portable random numbers for everything that must be reproducible from a
// seed: std::mt19937_64 is fully specified by the standard, but the std
// distributions are not (libstdc++ and libc++ differ), so the mapping to
// uniform floats, integers and permutations is spelled out here.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace flowrun::cnn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0, without modulo bias (rejection).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t v;
    do v = g_();
    while (v >= limit);
    return v % n;
  }
  // Fisher-Yates shuffle.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::mt19937_64 g_;
};

}  // namespace flowrun::cnn
