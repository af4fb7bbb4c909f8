#include <flowrun_gates/error_metrics.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace fg = flowrun::gates;

TEST(ErrorMetrics, ExactTableHasNoError) {
  const std::vector<std::int64_t> exact{0, 3, -4, 9};
  const auto m = fg::compute_error_metrics(exact, exact, 16);
  EXPECT_EQ(m.vectors, 4u);
  EXPECT_EQ(m.errors, 0u);
  EXPECT_EQ(m.er, 0);
  EXPECT_EQ(m.med, 0);
  EXPECT_EQ(m.wce_abs, 0);
  EXPECT_EQ(m.mre, 0);
  EXPECT_EQ(m.smape, 0);
  EXPECT_EQ(m.mse, 0);
}

// Hand-checked: exact {0, 4, -2, 8}, approx {1, 4, -4, 6}.
// e = {1, 0, -2, -2}; |e| = {1, 0, 2, 2}; sum 5; e^2 sum 9.
// er = 3/4, med = 5/4, nmed = 5/4/10, wce_abs = 2, wce = 0.2, mse = 9/4.
// mre over exact != 0: (0/4 + 2/2 + 2/8) / 3 = 1.25/3.
// smape: 1/(0+1) + 0 + 2/(2+4) + 2/(8+6) = 1 + 1/3 + 1/7, over 4.
TEST(ErrorMetrics, HandCheckedSmallTable) {
  const std::vector<std::int64_t> exact{0, 4, -2, 8};
  const std::vector<std::int64_t> approx{1, 4, -4, 6};
  const auto m = fg::compute_error_metrics(exact, approx, 10);
  EXPECT_EQ(m.errors, 3u);
  EXPECT_DOUBLE_EQ(m.er, 0.75);
  EXPECT_DOUBLE_EQ(m.med, 1.25);
  EXPECT_DOUBLE_EQ(m.nmed, 0.125);
  EXPECT_EQ(m.wce_abs, 2);
  EXPECT_DOUBLE_EQ(m.wce, 0.2);
  EXPECT_DOUBLE_EQ(m.mse, 2.25);
  EXPECT_DOUBLE_EQ(m.mre, 1.25 / 3);
  EXPECT_DOUBLE_EQ(m.smape, (1.0 + 1.0 / 3 + 1.0 / 7) / 4);
}

TEST(ErrorMetrics, ZeroOverZeroCountsAsNoErrorInSmape) {
  const std::vector<std::int64_t> exact{0, 0};
  const std::vector<std::int64_t> approx{0, -3};
  const auto m = fg::compute_error_metrics(exact, approx, 1);
  EXPECT_DOUBLE_EQ(m.smape, 0.5);  // (0 + 3/3) / 2
  EXPECT_EQ(m.mre, 0);             // no non-zero exact product
}

TEST(ErrorMetrics, RejectsMismatchedOrEmptyTables) {
  const std::vector<std::int64_t> a{1, 2}, b{1};
  EXPECT_THROW(fg::compute_error_metrics(a, b, 1), std::invalid_argument);
  EXPECT_THROW(fg::compute_error_metrics({}, {}, 1), std::invalid_argument);
  EXPECT_THROW(fg::compute_error_metrics(a, a, 0), std::invalid_argument);
}

TEST(ErrorMetrics, Normalizers) {
  EXPECT_EQ(fg::product_normalizer(8, 8, true), 16384);
  EXPECT_EQ(fg::product_normalizer(8, 8, false), 65025);
  EXPECT_EQ(fg::product_normalizer(4, 4, true), 64);
}

TEST(ErrorMetrics, ExactProductsAreRowMajorOverBitPatterns) {
  const auto p = fg::exact_products(8, 8, true);
  ASSERT_EQ(p.size(), 65536u);
  EXPECT_EQ(p[0x03 * 256 + 0x05], 15);
  EXPECT_EQ(p[0xFF * 256 + 0x02], -2);      // -1 * 2
  EXPECT_EQ(p[0x80 * 256 + 0x80], 16384);   // -128 * -128
  EXPECT_EQ(p[0x80 * 256 + 0x7F], -16256);  // -128 * 127
  const auto u = fg::exact_products(8, 8, false);
  EXPECT_EQ(u[0xFF * 256 + 0xFF], 65025);
}

TEST(ErrorMetrics, JsonHasEveryMetricByName) {
  const std::vector<std::int64_t> exact{0, 4, -2, 8};
  const std::vector<std::int64_t> approx{1, 4, -4, 6};
  const auto m = fg::compute_error_metrics(exact, approx, 10);
  const auto j = fg::to_json(m);
  for (const auto& name : fg::error_metric_names()) {
    ASSERT_TRUE(j.contains(name)) << name;
    EXPECT_EQ(j[name].get<double>(), fg::error_metric(m, name)) << name;
  }
  EXPECT_TRUE(j["wce_abs"].is_number_integer());
  // Printed and read back, doubles are bit-identical.
  const auto back = nlohmann::json::parse(j.dump());
  EXPECT_EQ(back["smape"].get<double>(), m.smape);
  EXPECT_THROW(fg::error_metric(m, "bogus"), std::out_of_range);
}
