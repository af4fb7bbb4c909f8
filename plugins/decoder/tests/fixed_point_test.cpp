#include "fixed_point.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace flowrun::decoder {
namespace {

TEST(Rounding, NearestEvenBreaksTiesTowardEven) {
  EXPECT_EQ(round_with(0.5, Rounding::NearestEven), 0);
  EXPECT_EQ(round_with(1.5, Rounding::NearestEven), 2);
  EXPECT_EQ(round_with(2.5, Rounding::NearestEven), 2);
  EXPECT_EQ(round_with(-0.5, Rounding::NearestEven), 0);
  EXPECT_EQ(round_with(-1.5, Rounding::NearestEven), -2);
  EXPECT_EQ(round_with(-2.5, Rounding::NearestEven), -2);
  EXPECT_EQ(round_with(2.4999, Rounding::NearestEven), 2);
  EXPECT_EQ(round_with(-2.5001, Rounding::NearestEven), -3);
}

TEST(Rounding, TruncateIsFloorLikeDroppingFractionBits) {
  EXPECT_EQ(round_with(1.99, Rounding::Truncate), 1);
  EXPECT_EQ(round_with(-0.25, Rounding::Truncate), -1);
  EXPECT_EQ(round_with(-2.0, Rounding::Truncate), -2);
}

TEST(Rounding, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_rounding("nearest_even"), Rounding::NearestEven);
  EXPECT_EQ(parse_rounding("truncate"), Rounding::Truncate);
  EXPECT_THROW(parse_rounding("nearest"), std::invalid_argument);
}

TEST(Quantize, ScalesByFractionBits) {
  const QFormat q{16, 12};
  EXPECT_EQ(quantize(1.0, q, Rounding::NearestEven, true).value, 4096);
  EXPECT_EQ(quantize(-0.5, q, Rounding::NearestEven, true).value, -2048);
  // 2^-13 is exactly half an LSB: ties to even (0), truncate floors (0);
  // -2^-13 truncates to -1.
  EXPECT_EQ(quantize(std::ldexp(1.0, -13), q, Rounding::NearestEven, true).value, 0);
  EXPECT_EQ(quantize(-std::ldexp(1.0, -13), q, Rounding::Truncate, true).value, -1);
  EXPECT_DOUBLE_EQ(q.to_real(4096), 1.0);
  EXPECT_EQ(q.name(), "Q4.12");
}

TEST(Quantize, SaturatesAtBothEndsAndFlagsIt) {
  const QFormat q{8, 4};  // [-128, 127] / 16 = [-8, 7.9375]
  auto hi = quantize(9.0, q, Rounding::NearestEven, true);
  EXPECT_EQ(hi.value, 127);
  EXPECT_TRUE(hi.out_of_range);
  auto lo = quantize(-8.5, q, Rounding::NearestEven, true);
  EXPECT_EQ(lo.value, -128);
  EXPECT_TRUE(lo.out_of_range);
  auto edge = quantize(-8.0, q, Rounding::NearestEven, true);
  EXPECT_EQ(edge.value, -128);
  EXPECT_FALSE(edge.out_of_range);
  // 7.97 rounds to 127.5*... = 127.52 -> 128: just out of range.
  EXPECT_TRUE(quantize(7.97, q, Rounding::NearestEven, true).out_of_range);
  EXPECT_FALSE(quantize(7.97, q, Rounding::Truncate, true).out_of_range);
}

TEST(Quantize, WrapsLikeABitSliceWithoutSaturation) {
  const QFormat q{8, 0};
  auto w = quantize(130.0, q, Rounding::NearestEven, false);
  EXPECT_EQ(w.value, -126);
  EXPECT_TRUE(w.out_of_range);
  EXPECT_EQ(quantize(-129.0, q, Rounding::NearestEven, false).value, 127);
  EXPECT_EQ(wrap_to_bits(255, 8), -1);
  EXPECT_EQ(wrap_to_bits(-1, 8), -1);
  EXPECT_EQ(wrap_to_bits(128, 8), -128);
}

TEST(QFormatRule, LargestFractionBitsThatHoldTheRange) {
  // 16 bits: the largest integer is 32767.
  EXPECT_EQ(choose_frac_bits(1.0, 16), 14);   // 1.0*2^15 = 32768 would not fit
  EXPECT_EQ(choose_frac_bits(0.9, 16), 15);   // 0.9*2^15 = 29491
  EXPECT_EQ(choose_frac_bits(3.2, 16), 13);   // 3.2*2^13 = 26214, *2^14 = 52429
  EXPECT_EQ(choose_frac_bits(100000.0, 16), -2);  // coarser than 1
  EXPECT_EQ(choose_frac_bits(1e-3, 16), 24);  // 1e-3 * 2^24 = 16777
  EXPECT_EQ(choose_frac_bits(0.0, 16), 15);
  // Headroom bits leave room above the observed range.
  EXPECT_EQ(choose_frac_bits(3.2, 16, 2), 11);
  EXPECT_THROW(choose_frac_bits(1.0, 4, 3), std::invalid_argument);
  // The rule's guarantee: the range fits, one more bit would not.
  for (double m : {0.37, 1.5, 7.99, 12.0, 255.0, 1234.5}) {
    for (int bits : {8, 12, 16, 20}) {
      const int f = choose_frac_bits(m, bits);
      const double limit = std::ldexp(1.0, bits - 1) - 1;
      EXPECT_LE(std::ldexp(m, f), limit) << m << " " << bits;
      EXPECT_GT(std::ldexp(m, f + 1), limit) << m << " " << bits;
      EXPECT_FALSE(quantize(m, QFormat{bits, f}, Rounding::NearestEven, true).out_of_range);
      EXPECT_FALSE(quantize(-m, QFormat{bits, f}, Rounding::Truncate, true).out_of_range);
    }
  }
}

}  // namespace
}  // namespace flowrun::decoder
