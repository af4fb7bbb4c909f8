// The accumulator overflow proof, computed from the actual integers.
//
// Every feature is an integer x with -2^(fb-1) <= x <= 2^(fb-1) - 1, so
// |x| <= 2^(fb-1). The decoder's accumulator holds
//     acc = bias + sum_i w_i * x_i          (i over all rois*history terms)
// and every partial sum the hardware forms on the way (a serial MAC adds
// one product at a time starting from the bias; an adder tree adds
// disjoint groups) is the bias and/or a sub-sum of these products.
// By the triangle inequality each of them is bounded in magnitude by
//     B = sum_i |w_i| * 2^(fb-1) + |bias|.
// If B <= 2^(acc_bits-1) - 1, no value formed anywhere in the datapath
// leaves the signed acc_bits range, so two's-complement addition at
// acc_bits never wraps and the hardware equals exact integer arithmetic.
//
// Weight-independent worst case (reported for comparison): the weight
// rule keeps |w_i| <= 2^(wb-1) - 1, so each product is below
// 2^(fb+wb-2); with |bias| below that as well, R*H products plus the
// bias stay below (R*H+1) * 2^(fb+wb-2) <= 2^(fb+wb-2+ceil(log2(R*H+1))),
// which fits in fb + wb - 1 + ceil(log2(R*H+1)) signed bits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowrun::decoder {

struct AccumulatorBound {
  // B above; __int128 so the bound itself cannot overflow while computing.
  __int128 bound = 0;
  // Smallest n with B <= 2^(n-1) - 1.
  int required_bits = 1;
  // fb + wb - 1 + ceil(log2(R*H + 1)).
  int worst_case_bits = 1;
};

AccumulatorBound accumulator_bound(const std::vector<std::int64_t>& weights,
                                   std::int64_t bias, int feature_bits,
                                   int weight_bits);

// Throws flowrun::StageError naming the widths when acc_bits cannot hold
// the bound. `what` prefixes the message (e.g. the stage or file).
void check_accumulator(const AccumulatorBound& b, int acc_bits, int feature_bits,
                       int weight_bits, std::size_t terms, const std::string& what);

std::string to_decimal(__int128 v);

}  // namespace flowrun::decoder
