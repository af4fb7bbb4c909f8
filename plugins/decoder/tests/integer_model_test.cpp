#include "accumulator_bound.hpp"
#include "integer_model.hpp"

#include <gtest/gtest.h>

#include <random>

namespace flowrun::decoder {
namespace {

QModel random_qmodel(int rois, int history, int fb, int wb, std::mt19937& rng) {
  QModel q;
  q.rois = rois;
  q.history = history;
  q.feature = {fb, fb - 3};
  q.weight = {wb, wb - 2};
  std::uniform_int_distribution<std::int64_t> w(-((std::int64_t{1} << (wb - 1)) - 1),
                                                (std::int64_t{1} << (wb - 1)) - 1);
  for (int i = 0; i < rois * history; ++i) q.weights.push_back(w(rng));
  q.bias = w(rng) * 37;
  const AccumulatorBound b = accumulator_bound(q.weights, q.bias, fb, wb);
  q.accumulator = {b.required_bits, q.feature.frac_bits + q.weight.frac_bits};
  q.float_model.weights.assign(rois * history, 0.0);
  return q;
}

// The definition written the plain way: build the zero-padded feature
// vector of every frame explicitly and take a 128-bit dot product.
std::vector<std::int64_t> reference(const QModel& q, const std::vector<IntFrame>& frames) {
  std::vector<std::int64_t> out;
  for (std::size_t t = 0; t < frames.size(); ++t) {
    std::vector<std::int64_t> features(q.rois * q.history, 0);
    for (int h = 0; h < q.history; ++h) {
      if (static_cast<long>(t) - h < 0) continue;
      for (int r = 0; r < q.rois; ++r) features[h * q.rois + r] = frames[t - h][r];
    }
    __int128 acc = q.bias;
    for (std::size_t i = 0; i < features.size(); ++i) {
      acc += static_cast<__int128>(q.weights[i]) * features[i];
    }
    out.push_back(static_cast<std::int64_t>(acc));
  }
  return out;
}

TEST(IntegerModel, MatchesAPlainReferenceOnRandomData) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 40; ++trial) {
    const int rois = 1 + trial % 5, history = 1 + trial % 4;
    const int fb = 4 + trial % 13, wb = 4 + (trial * 7) % 13;
    const QModel q = random_qmodel(rois, history, fb, wb, rng);
    const IntegerModel m(q);
    std::uniform_int_distribution<std::int64_t> x(q.feature.min_int(), q.feature.max_int());
    std::vector<IntFrame> frames(30, IntFrame(rois));
    for (auto& f : frames) for (auto& v : f) v = x(rng);
    // Extremes too: the bound must hold at the corners of the range.
    for (auto& v : frames[5]) v = q.feature.min_int();
    for (auto& v : frames[6]) v = q.feature.max_int();
    EXPECT_EQ(m.accumulate(frames), reference(q, frames)) << "trial " << trial;
  }
}

TEST(IntegerModel, HistoryStartsFromZeroAndDecisionIsTheSign) {
  QModel q;
  q.rois = 1;
  q.history = 2;
  q.feature = {8, 0};
  q.weight = {8, 0};
  q.accumulator = {20, 0};
  q.weights = {2, -3};  // acc(t) = bias + 2 x[t] - 3 x[t-1]
  q.bias = -1;
  q.float_model.weights = {2, -3};
  const IntegerModel m(q);
  const auto acc = m.accumulate({{5}, {1}, {-4}});
  EXPECT_EQ(acc, (std::vector<std::int64_t>{-1 + 10, -1 + 2 - 15, -1 - 8 - 3}));
  EXPECT_TRUE(IntegerModel::decision(0));
  EXPECT_FALSE(IntegerModel::decision(-1));
}

TEST(IntegerModel, QuantizesRawFramesWithTheModelsRule) {
  QModel q;
  q.rois = 2;
  q.history = 1;
  q.feature = {8, 4};
  q.weight = {8, 0};
  q.accumulator = {20, 4};
  q.weights = {1, 1};
  q.float_model.weights = {1, 1};
  q.rounding = Rounding::NearestEven;
  q.saturate = true;
  const IntegerModel m(q);
  Eigen::MatrixXd raw(2, 2);
  raw << 0.5, 100.0,  // 8 and saturated 127
      -0.03125, -9.0;  // -0.5 LSB -> 0 (ties to even) and saturated -128
  const SequenceOutputs out = m.run(raw);
  EXPECT_EQ(out.features[0], (IntFrame{8, 127}));
  EXPECT_EQ(out.features[1], (IntFrame{0, -128}));
  EXPECT_EQ(out.out_of_range, 2);
  EXPECT_EQ(out.acc, (std::vector<std::int64_t>{135, -128}));
}

}  // namespace
}  // namespace flowrun::decoder
