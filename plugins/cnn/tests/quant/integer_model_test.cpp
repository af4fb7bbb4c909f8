// The integer model is the reference the hardware is verified against:
// these tests pin its arithmetic value by value.
#include "quant/integer_kernels.hpp"
#include "random_qmodel.hpp"
#include "tiny_qmodel.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <vector>

using namespace flowrun::cnn;
using flowrun::StageError;

namespace {

constexpr auto N = Rounding::Nearest;
constexpr auto F = Rounding::Floor;
constexpr auto S = Saturation::Saturate;
constexpr auto W = Saturation::Wrap;

std::vector<std::int32_t> widen(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

}  // namespace

TEST(Requantize, NearestRoundsTiesTowardPlusInfinityForBothSigns) {
  // acc * M / 2^s = 2.5 and -2.5: ties go up (to 3 and -2).
  EXPECT_EQ(requantize(5, 1, 1, N, S), 3);
  EXPECT_EQ(requantize(-5, 1, 1, N, S), -2);
  EXPECT_EQ(requantize(10, 3, 2, N, S), 8);    // 7.5 -> 8
  EXPECT_EQ(requantize(-10, 3, 2, N, S), -7);  // -7.5 -> -7
  // Not ties: nearest in both directions.
  EXPECT_EQ(requantize(11, 1, 2, N, S), 3);    // 2.75
  EXPECT_EQ(requantize(9, 1, 2, N, S), 2);     // 2.25
  EXPECT_EQ(requantize(-11, 1, 2, N, S), -3);  // -2.75
  EXPECT_EQ(requantize(-9, 1, 2, N, S), -2);   // -2.25
}

TEST(Requantize, FloorRoundsTowardMinusInfinity) {
  EXPECT_EQ(requantize(5, 1, 1, F, S), 2);
  EXPECT_EQ(requantize(-5, 1, 1, F, S), -3);
  EXPECT_EQ(requantize(-1, 1, 4, F, S), -1);  // -1/16 floors to -1, not 0
  EXPECT_EQ(requantize(15, 1, 4, F, S), 0);
  EXPECT_EQ(requantize(-9, 3, 2, F, S), -7);  // -6.75
}

TEST(Requantize, SaturateClampsAndWrapKeepsTheLowByte) {
  EXPECT_EQ(requantize(127, 1, 0, N, S), 127);
  EXPECT_EQ(requantize(128, 1, 0, N, S), 127);
  EXPECT_EQ(requantize(-128, 1, 0, N, S), -128);
  EXPECT_EQ(requantize(-129, 1, 0, N, S), -128);
  EXPECT_EQ(requantize(100000, 7, 3, N, S), 127);
  EXPECT_EQ(requantize(-100000, 7, 3, N, S), -128);
  EXPECT_EQ(requantize(127, 1, 0, N, W), 127);
  EXPECT_EQ(requantize(128, 1, 0, N, W), -128);
  EXPECT_EQ(requantize(255, 1, 0, N, W), -1);
  EXPECT_EQ(requantize(256, 1, 0, N, W), 0);
  EXPECT_EQ(requantize(-129, 1, 0, N, W), 127);
  EXPECT_EQ(requantize(300, 1, 0, N, W), 44);
  EXPECT_EQ(requantize(-300, 1, 0, N, W), -44);
  // 100000*7/8 = 87500 = 0x155CC: low byte 0xCC = -52.
  EXPECT_EQ(requantize(100000, 7, 3, N, W), -52);
}

TEST(Requantize, ShiftZeroIsAPlainProduct) {
  // No bits are shifted out, so there is nothing to round (r = 0).
  EXPECT_EQ(requantize(3, 5, 0, N, S), 15);
  EXPECT_EQ(requantize(-3, 5, 0, N, S), -15);
  EXPECT_EQ(requantize(3, 5, 0, F, S), 15);
  EXPECT_EQ(requantize(-3, 5, 0, F, S), -15);
}

TEST(Requantize, LargeShiftsUseThe64BitProduct) {
  const std::int64_t m = (std::int64_t{1} << 31) - 1;  // largest 32-bit multiplier
  const std::int64_t a = std::numeric_limits<std::int32_t>::max();
  // (2^31-1)^2 / 2^62 = 0.99999999953 -> 1 (nearest), 0 (floor)
  EXPECT_EQ(requantize(a, m, 62, N, S), 1);
  EXPECT_EQ(requantize(a, m, 62, F, S), 0);
  EXPECT_EQ(requantize(-a, m, 62, N, S), -1);
  EXPECT_EQ(requantize(-a, m, 62, F, S), -1);
  // acc * M exceeds 32 bits long before the shift: 1e9 * 1.5e9 / 2^55 = 41.6
  EXPECT_EQ(requantize(1000000000, 1500000000, 55, N, S), 42);
  EXPECT_EQ(requantize(-1000000000, 1500000000, 55, N, S), -42);
  EXPECT_EQ(requantize(-1000000000, 1500000000, 55, F, S), -42);
  // Ties at large shifts: 2^40 * 3 / 2^41 = 1.5 -> 2; -1.5 -> -1.
  EXPECT_EQ(requantize(std::int64_t{1} << 30, 3 << 10, 41, N, S), 2);
  EXPECT_EQ(requantize(-(std::int64_t{1} << 30), 3 << 10, 41, N, S), -1);
  EXPECT_EQ(requantize(-(std::int64_t{1} << 30), 3 << 10, 41, F, S), -2);
  // Shifting everything out: tiny positive -> 0, tiny negative -> -1 with floor, 0 with nearest.
  EXPECT_EQ(requantize(1, 1, 62, N, S), 0);
  EXPECT_EQ(requantize(-1, 1, 62, F, S), -1);
  EXPECT_EQ(requantize(-1, 1, 62, N, S), 0);
}

TEST(PredictedClass, LowestIndexOnTies) {
  EXPECT_EQ(predicted_class(widen({1, 5, 5, 2})), 1);
  EXPECT_EQ(predicted_class(widen({-3, -3, -3})), 0);
  EXPECT_EQ(predicted_class(widen({-9, -8, std::numeric_limits<std::int32_t>::min()})), 1);
  EXPECT_EQ(predicted_class(widen({0, 0, 7})), 2);
}

// The tiny network of tiny_qmodel.hpp, traced layer by layer. Worked by hand:
// x0 = pixel >> 1; e.g. conv1 at output (0,0) sees padding in its top row
// and left column: acc0 = 100 + 4*0 - 1*5 + 2*8 + 1*49 = 160, 160*3/16 = 30;
// acc1 = -50 - 4*0 + 1*5 + 1*8 - 127*49 = -6260 -> -1173.75 -> saturates to -128.
TEST(IntegerModel, TinyNetworkValueByValue) {
  const QModel q = test::tiny_qmodel();
  const auto pixels = test::tiny_pixels();
  std::vector<std::vector<std::int32_t>> trace;
  const auto logits = infer(q, pixels.data(), nullptr, &trace);
  ASSERT_EQ(trace.size(), 6u);
  EXPECT_EQ(trace[0], widen({30, -128, 108, -38, 105, -27, 127, -128, 32, -128, 34, 45, 3, 2, 67, 20, 67, -40}));
  EXPECT_EQ(trace[1], widen({30, 0, 108, 0, 105, 0, 127, 0, 32, 0, 34, 45, 3, 2, 67, 20, 67, 0}));
  EXPECT_EQ(trace[2], widen({127, 0, 108, 45, 127, 20, 67, 45}));
  EXPECT_EQ(trace[3], trace[2]);  // flatten: channel-last order is already flat
  // dense1 accumulators 72, -103, 539 -> *11/32 -> 24.75, -35.4, 185.3
  EXPECT_EQ(trace[4], widen({25, -35, 127}));
  EXPECT_EQ(trace[5], widen({287, -428}));
  EXPECT_EQ(logits, widen({287, -428}));
  EXPECT_EQ(predicted_class(logits), 0);
}

TEST(IntegerModel, TinyNetworkWrapAndFloor) {
  QModel q = test::tiny_qmodel();
  const auto pixels = test::tiny_pixels();
  q.saturation = Saturation::Wrap;
  std::vector<std::vector<std::int32_t>> trace;
  auto logits = infer(q, pixels.data(), nullptr, &trace);
  // -6260*5/64 = -489.06 -> -489 = 0x..E17 -> low byte 0x17 = 23
  EXPECT_EQ(trace[0], widen({30, 23, 108, -38, 105, -27, -99, 65, 32, 106, 34, 45, 3, 2, 67, 20, 67, -40}));
  EXPECT_EQ(trace[4], widen({-19, 50, 10}));
  EXPECT_EQ(logits, widen({-173, 190}));
  EXPECT_EQ(predicted_class(logits), 1);

  q.saturation = Saturation::Saturate;
  q.rounding = Rounding::Floor;
  logits = infer(q, pixels.data(), nullptr, &trace);
  EXPECT_EQ(trace[0], widen({30, -128, 107, -38, 105, -27, 127, -128, 31, -128, 33, 44, 2, 2, 67, 19, 66, -41}));
  EXPECT_EQ(trace[4], widen({22, -38, 127}));
  EXPECT_EQ(logits, widen({290, -437}));
}

TEST(IntegerModel, InputShiftSetsTheFirstActivation) {
  QModel q = test::tiny_qmodel();
  q.input_shift = 2;
  const auto pixels = test::tiny_pixels();
  std::vector<std::vector<std::int32_t>> trace;
  infer(q, pixels.data(), nullptr, &trace);
  // conv1 (0,0) channel 0: 100 + 4*0 - 1*2 + 2*4 + 1*24 = 130 -> 130*3/16 = 24.4
  EXPECT_EQ(trace[0][0], 24);
}

TEST(IntegerModel, ExactProductTableEqualsExactProducts) {
  const QModel q = test::random_qmodel(7, 6);
  const auto images = test::random_images(q, 40, 11);
  ProductTable exact;
  exact.table.resize(65536);
  for (int w = -128; w < 128; ++w)
    for (int x = -128; x < 128; ++x) exact.table[(w & 0xff) * 256 + (x & 0xff)] = w * x;
  const long image = q.net.input.size();
  for (long i = 0; i < 40; ++i) {
    std::vector<std::vector<std::int32_t>> t1, t2;
    EXPECT_EQ(infer(q, images.data() + i * image, nullptr, &t1), infer(q, images.data() + i * image, &exact, &t2));
    EXPECT_EQ(t1, t2);
  }
  EXPECT_EQ(infer_batch(q, images.data(), 40, 2, nullptr), infer_batch(q, images.data(), 40, 2, &exact));
}

TEST(IntegerModel, ProductTableIsAppliedToTheListedLayersOnly) {
  const QModel q = test::tiny_qmodel();
  const auto pixels = test::tiny_pixels();
  ProductTable zero;
  zero.table.assign(65536, 0);
  zero.layers = {"dense2"};
  std::vector<std::vector<std::int32_t>> exact, approx;
  infer(q, pixels.data(), nullptr, &exact);
  const auto logits = infer(q, pixels.data(), &zero, &approx);
  // Only dense2 multiplies by zero: its logits are its biases.
  EXPECT_EQ(logits, widen({5, -9}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(approx[i], exact[i]) << "layer " << i;

  // A table that differs from w*x in one entry: 1 * 49 (conv1 channel 0,
  // weight [2][2] = 1 times x0(1,1) = 49 at output (0,0)) becomes 0.
  ProductTable one;
  one.table.resize(65536);
  for (int w = -128; w < 128; ++w)
    for (int x = -128; x < 128; ++x) one.table[(w & 0xff) * 256 + (x & 0xff)] = w * x;
  one.table[1 * 256 + 49] = 0;
  one.layers = {"conv1"};
  infer(q, pixels.data(), &one, &approx);
  // acc0 at (0,0) = 160 - 49 = 111 -> 111*3/16 = 20.8 -> 21
  EXPECT_EQ(approx[0][0], 21);
}

TEST(IntegerModel, ProductTableErrors) {
  const QModel q = test::tiny_qmodel();
  const auto pixels = test::tiny_pixels();
  ProductTable bad;
  bad.table.assign(1000, 0);
  EXPECT_THROW(infer(q, pixels.data(), &bad), StageError);
  bad.table.assign(65536, 0);
  bad.layers = {"pool1"};
  try {
    infer(q, pixels.data(), &bad);
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("pool1"), std::string::npos) << e.what();
  }
}

TEST(IntegerModel, BatchEqualsSingleImagesForAnyThreadCount) {
  const QModel q = test::random_qmodel(3);
  const long count = 37;
  const auto images = test::random_images(q, count, 5);
  const long classes = q.net.classes();
  std::vector<std::int32_t> single;
  for (long i = 0; i < count; ++i) {
    const auto l = infer(q, images.data() + i * q.net.input.size());
    single.insert(single.end(), l.begin(), l.end());
  }
  ASSERT_EQ(static_cast<long>(single.size()), count * classes);
  for (int threads : {1, 2, 3, 8, 64}) EXPECT_EQ(infer_batch(q, images.data(), count, threads), single) << threads;
  EXPECT_TRUE(infer_batch(q, images.data(), 0, 2).empty());
}

TEST(IntegerModel, RandomModelMatchesAPlainReference) {
  // A second, deliberately naive implementation of the documented
  // arithmetic (int64 accumulation, no patches, no widening) on a network
  // with stride, padding, pooling and relu in every place the parser allows.
  for (int channels : {2, 6}) {
    for (auto saturation : {S, W}) {
      SCOPED_TRACE("channels " + std::to_string(channels) + (saturation == S ? " saturate" : " wrap"));
      QModel q = test::random_qmodel(21 + channels, channels);
      q.saturation = saturation;
      q.rounding = saturation == S ? N : F;
      const auto images = test::random_images(q, 30, 2);
      std::set<std::vector<std::int32_t>> distinct;
      for (long i = 0; i < 30; ++i) {
        const std::uint8_t* px = images.data() + i * q.net.input.size();
        const auto logits = infer(q, px);
        EXPECT_EQ(logits, test::naive_infer(q, px)) << "image " << i << " channels " << channels;
        distinct.insert(logits);
      }
      // Not degenerate (all-saturated layers would prove little).
      EXPECT_EQ(distinct.size(), 30u);
    }
  }
}

TEST(IntegerModel, CountsValuesChangedByTheEightBitLimit) {
  QModel q = test::tiny_qmodel();
  auto pixels = test::tiny_pixels();
  pixels.insert(pixels.end(), pixels.begin(), pixels.end());  // the same image twice
  std::vector<long> clipped;
  // conv1 requantizes to 157 once (837*3/16) and below -128 three times
  // (-489, -191, -662), but relu follows: with saturate those become 0
  // either way and are not counted. dense1 reaches 185 (539*11/32).
  quant::infer_batch_counted(q, pixels.data(), 2, 2, nullptr, &clipped);
  EXPECT_EQ(clipped, (std::vector<long>{2, 0, 0, 0, 2, 0}));
  // With wrap every value outside [-128, 127] is changed; dense1's
  // accumulators (689, 891, 774) then all requantize above 127.
  q.saturation = Saturation::Wrap;
  quant::infer_batch_counted(q, pixels.data(), 2, 1, nullptr, &clipped);
  EXPECT_EQ(clipped, (std::vector<long>{8, 0, 0, 0, 6, 0}));
}
