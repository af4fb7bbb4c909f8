#include "accumulator_bound.hpp"
#include "quantize.hpp"
#include "test_support.hpp"

#include <flowrun/stage.hpp>
#include <gtest/gtest.h>

namespace flowrun::decoder {
namespace {

TEST(AccumulatorBound, ExactBoundFromTheIntegers) {
  // sum|w| = 10 + 3 + 0 + 7 = 20; 20 * 2^7 + |-100| = 2660 -> 13 signed bits
  // (2^11 - 1 = 2047 < 2660 <= 4095 = 2^12 - 1).
  const AccumulatorBound b = accumulator_bound({10, -3, 0, 7}, -100, 8, 8);
  EXPECT_EQ(to_decimal(b.bound), "2660");
  EXPECT_EQ(b.required_bits, 13);
  EXPECT_EQ(b.worst_case_bits, 8 + 8 - 1 + 3);  // ceil(log2(5)) = 3
  EXPECT_NO_THROW(check_accumulator(b, 13, 8, 8, 4, "test"));
  EXPECT_THROW(check_accumulator(b, 12, 8, 8, 4, "test"), StageError);
}

TEST(AccumulatorBound, BoundaryIsTight) {
  // One weight of 1 with 4-bit features: |acc| <= 8 needs 5 bits (4 bits
  // hold only up to 7) -- x = -8 times w = 1 plus bias 0 reaches -8, which
  // fits 4 bits, but x = -8 * w = -1 reaches +8, which does not.
  const AccumulatorBound b = accumulator_bound({-1}, 0, 4, 4);
  EXPECT_EQ(b.required_bits, 5);
}

TEST(AccumulatorBound, WorstCaseFormulaCoversEveryWeightChoice) {
  // Largest allowed weights everywhere and a maximal bias stay within the
  // weight-independent width fb + wb - 1 + ceil(log2(R*H + 1)).
  for (int terms : {1, 2, 3, 7, 8, 32, 33}) {
    std::vector<std::int64_t> w(terms, -((1 << 15) - 1));
    const std::int64_t bias = (std::int64_t{1} << 30) - 1;
    const AccumulatorBound b = accumulator_bound(w, bias, 16, 16);
    EXPECT_LE(b.required_bits, b.worst_case_bits) << terms;
  }
}

TEST(AccumulatorBound, QuantizerRefusesANarrowAccumulatorNamingTheWidths) {
  const auto data = test::make_dataset(4, 7);
  const auto model = test::make_model(4, 3, 11);
  QuantizeOptions opt;
  opt.acc_bits = 20;  // 12 products of 16x16 bits need ~33 bits
  try {
    quantize_model(model, data, opt, "model.json");
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("model.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("acc_bits=20 is too narrow"), std::string::npos) << msg;
    EXPECT_NE(msg.find("feature_bits=16 x weight_bits=16"), std::string::npos) << msg;
    EXPECT_NE(msg.find("could overflow"), std::string::npos) << msg;
    EXPECT_NE(msg.find("raise acc_bits to at least"), std::string::npos) << msg;
  }
  // The width the message asks for is accepted.
  opt.acc_bits = 48;
  const QModel q = quantize_model(model, data, opt, "model.json");
  opt.acc_bits = q.acc_required_bits;
  EXPECT_NO_THROW(quantize_model(model, data, opt, "model.json"));
  opt.acc_bits = q.acc_required_bits - 1;
  EXPECT_THROW(quantize_model(model, data, opt, "model.json"), StageError);
}

}  // namespace
}  // namespace flowrun::decoder
