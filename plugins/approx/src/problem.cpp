// Precomputation of input patterns and exact products.
#include "problem.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace flowrun::approx {

std::int64_t decode_output(const Problem& p, std::uint64_t bits) {
  const std::uint32_t n = p.n_outputs;
  if (p.is_signed && n > 0 && ((bits >> (n - 1)) & 1u)) {
    return static_cast<std::int64_t>(bits) - (std::int64_t{1} << n);
  }
  return static_cast<std::int64_t>(bits);
}

Problem make_problem(int a_width, int b_width, bool is_signed, std::vector<int> input_kbit) {
  if (a_width < 1 || b_width < 1 || a_width + b_width > 20) {
    throw std::invalid_argument("multiplier widths must be >= 1 with a_width + b_width <= 20, got " +
                                std::to_string(a_width) + " and " + std::to_string(b_width));
  }
  Problem p;
  p.a_width = a_width;
  p.b_width = b_width;
  p.is_signed = is_signed;
  p.n_inputs = static_cast<std::uint32_t>(a_width + b_width);
  p.n_outputs = p.n_inputs;
  p.diff_bits = p.n_outputs + 1;
  p.num_vectors = std::uint64_t{1} << p.n_inputs;
  const std::size_t real_words = (p.num_vectors + 63) / 64;
  p.num_blocks = (real_words + kBlockWords - 1) / kBlockWords;
  p.num_words = p.num_blocks * kBlockWords;

  if (input_kbit.empty()) {
    for (int i = 0; i < a_width; ++i) input_kbit.push_back(b_width + i);
    for (int j = 0; j < b_width; ++j) input_kbit.push_back(j);
  }
  if (input_kbit.size() != p.n_inputs) throw std::invalid_argument("input_kbit has the wrong size");
  p.input_kbit = input_kbit;

  const std::size_t W = p.num_words;
  p.zeros = Words(W, 0);
  p.ones = Words(W, ~std::uint64_t{0});
  p.valid = Words(W, 0);
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) p.valid[k >> 6] |= std::uint64_t{1} << (k & 63);
  p.inputs.assign(p.n_inputs, Words(W, 0));
  for (std::uint32_t i = 0; i < p.n_inputs; ++i) {
    const int kb = input_kbit[i];
    for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
      if ((k >> kb) & 1u) p.inputs[i][k >> 6] |= std::uint64_t{1} << (k & 63);
    }
  }

  auto pattern = [&](std::uint64_t bits, int width) -> std::int64_t {
    if (is_signed && ((bits >> (width - 1)) & 1u)) return static_cast<std::int64_t>(bits) - (std::int64_t{1} << width);
    return static_cast<std::int64_t>(bits);
  };
  p.exact.assign(p.diff_bits, Words(W, 0));
  p.exact_values.resize(p.num_vectors);
  p.inv_abs_exact.assign(p.num_vectors, 0.0);
  p.normalizer = 0;
  p.nonzero_exact = 0;
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
    const std::int64_t a = pattern(k >> b_width, a_width);
    const std::int64_t b = pattern(k & ((std::uint64_t{1} << b_width) - 1), b_width);
    const std::int64_t prod = a * b;
    p.exact_values[k] = prod;
    const auto mag = static_cast<double>(std::llabs(prod));
    if (mag > p.normalizer) p.normalizer = mag;
    if (prod != 0) {
      p.inv_abs_exact[k] = 1.0 / mag;
      ++p.nonzero_exact;
    }
    const auto u = static_cast<std::uint64_t>(prod);  // two's complement
    for (std::uint32_t bit = 0; bit < p.diff_bits; ++bit) {
      if ((u >> bit) & 1u) p.exact[bit][k >> 6] |= std::uint64_t{1} << (k & 63);
    }
  }
  if (p.normalizer == 0) p.normalizer = 1;
  return p;
}

void set_weights(Problem& p, const std::vector<double>& table) {
  if (table.size() != p.num_vectors) {
    throw std::invalid_argument("weight table has " + std::to_string(table.size()) + " entries, expected " +
                                std::to_string(p.num_vectors));
  }
  double max = 0;
  for (std::size_t k = 0; k < table.size(); ++k) {
    if (!std::isfinite(table[k]) || table[k] < 0) {
      throw std::invalid_argument("weight table entry " + std::to_string(k) + " is not a finite number >= 0");
    }
    max = std::max(max, table[k]);
  }
  if (max <= 0) throw std::invalid_argument("weight table is all zero");
  const double top = static_cast<double>((1u << Problem::kWeightBits) - 1);
  p.weights.assign(p.num_vectors, 0);
  p.weight_planes.assign(Problem::kWeightBits, Words(p.num_words, 0));
  p.block_weight_planes.assign(p.num_blocks, 0);
  p.weight_total = 0;
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
    const auto w = table[k] > 0 ? static_cast<std::uint32_t>(std::max(1.0, std::ceil(top * table[k] / max))) : 0u;
    p.weights[k] = w;
    p.weight_total += w;
    for (int j = 0; j < Problem::kWeightBits; ++j) {
      if ((w >> j) & 1u) {
        p.weight_planes[static_cast<std::size_t>(j)][k >> 6] |= std::uint64_t{1} << (k & 63);
        p.block_weight_planes[(k >> 6) / kBlockWords] |= 1u << j;
      }
    }
  }
}

double weighted_med(const Problem& p, const std::vector<std::int64_t>& values) {
  if (!p.weighted() || values.size() != p.num_vectors) return 0;
  long double s = 0;
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
    s += static_cast<long double>(p.weights[k]) * static_cast<long double>(std::llabs(values[k] - p.exact_values[k]));
  }
  return static_cast<double>(s / (static_cast<long double>(p.weight_total) * p.normalizer));
}

}  // namespace flowrun::approx
