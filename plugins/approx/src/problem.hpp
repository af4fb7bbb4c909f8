// What the evolved circuit must approximate: an a_width x b_width
// multiplier (signed or unsigned) with a_width + b_width output bits, and
// everything precomputed for its exhaustive, bit-parallel evaluation.
//
// Input assignment k runs over 0 .. 2^(a_width+b_width) - 1 with
// k = a_pattern * 2^b_width + b_pattern (the order of flowrun_gates and of
// lut.csv); bit (k % 64) of word (k / 64) holds assignment k.
#pragma once

#include "words.hpp"

#include <cstdint>
#include <vector>

namespace flowrun::approx {

struct Problem {
  int a_width = 8;
  int b_width = 8;
  bool is_signed = true;
  std::uint32_t n_inputs = 16;   // primary-input bits of the genome
  std::uint32_t n_outputs = 16;  // output bits (a_width + b_width)
  std::uint32_t diff_bits = 17;  // width of approx - exact (n_outputs + 1)
  std::uint64_t num_vectors = 0;
  std::size_t num_words = 0;     // padded to a whole number of blocks
  std::size_t num_blocks = 0;
  double normalizer = 1;         // largest |exact product|
  std::uint64_t nonzero_exact = 0;  // #{k : exact_k != 0} (for mre)

  // For genome primary input i: which bit of k it is.
  std::vector<int> input_kbit;
  std::vector<Words> inputs;     // value of every primary-input bit
  Words zeros, ones, valid;      // valid: 1 for real assignments, 0 for padding
  std::vector<Words> exact;      // exact product, two's complement, diff_bits planes
  std::vector<std::int64_t> exact_values;  // exact product per assignment
  std::vector<double> inv_abs_exact;       // 1/|exact_k|, 0 where exact_k = 0

  // Operand-distribution weights of the weighted mean error (max_wmed),
  // empty unless set_weights() was called: integer weight w_k per
  // assignment, 0 .. 2^kWeightBits - 1, also held as kWeightBits bit planes
  // (weighted sums are popcounts of error planes AND weight planes), and per
  // block the planes that have a bit set there.
  static constexpr int kWeightBits = 12;
  std::vector<std::uint32_t> weights;
  std::vector<Words> weight_planes;
  std::vector<std::uint32_t> block_weight_planes;
  std::uint64_t weight_total = 0;  // sum of w_k
  bool weighted() const { return weight_total > 0; }

  // Base pointer of a constant or primary-input signal's words.
  const std::uint64_t* signal_base(std::uint32_t signal) const {
    return signal == 0 ? zeros.data() : signal == 1 ? ones.data() : inputs[signal - 2].data();
  }
};

// Genome inputs ordered a[0..a_width-1] then b[0..b_width-1] unless
// input_kbit is given (one entry per genome input bit).
Problem make_problem(int a_width, int b_width, bool is_signed, std::vector<int> input_kbit = {});

// Sets the weighted-mean-error weights from a table of non-negative
// numbers in assignment order (e.g. how often a network multiplies each
// operand pair): w_k = ceil((2^kWeightBits - 1) * t_k / max t), so every
// pair with a non-zero entry keeps a weight of at least 1. Throws
// std::invalid_argument for a wrong size, a negative or non-finite entry or
// an all-zero table.
void set_weights(Problem& p, const std::vector<double>& table);

// sum_k w_k |e_k| / (sum_k w_k * normalizer): the weighted mean error
// distance relative to the largest exact product, for a table of
// approximate values (assignment order).
double weighted_med(const Problem& p, const std::vector<std::int64_t>& values);

// The exact integer value of output word assignment k from output bit
// values (LSB first), interpreting them as two's complement when signed.
std::int64_t decode_output(const Problem& p, std::uint64_t bits);

}  // namespace flowrun::approx
