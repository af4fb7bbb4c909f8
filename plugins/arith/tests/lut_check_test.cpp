#include "lut_check.hpp"

#include <gtest/gtest.h>

using namespace flowrun::arith;
namespace fg = flowrun::gates;

namespace {

struct Approx {
  MultShape shape{4, 4, true, "mult4x4s"};
  std::vector<std::int64_t> table;
  flowrun::json metrics;
  Approx() {
    table = fg::exact_products(4, 4, true);
    table[17] += 3;  // a=1, b=1 -> 4
    table[200] -= 1;
    const auto exact = fg::exact_products(4, 4, true);
    metrics = fg::to_json(fg::compute_error_metrics(exact, table, fg::product_normalizer(4, 4, true)));
    metrics["transistors"] = 400;
  }
};

}  // namespace

TEST(LutCheck, MatchingTableAndMetricsPass) {
  Approx a;
  const auto c = check_lut(a.shape, a.table, a.table, a.metrics, "metrics.json");
  EXPECT_TRUE(c.table_matches());
  EXPECT_TRUE(c.metrics_match());
  EXPECT_EQ(c.recomputed.errors, 2u);
  EXPECT_EQ(c.recomputed.wce_abs, 3);
  EXPECT_EQ(c.metrics.size(), fg::error_metric_names().size());
}

TEST(LutCheck, DifferingEntriesAreCountedAndLocated) {
  Approx a;
  auto lut = a.table;
  lut[5] += 1;
  lut[77] -= 2;
  const auto c = check_lut(a.shape, a.table, lut, a.metrics, "metrics.json");
  EXPECT_FALSE(c.table_matches());
  EXPECT_EQ(c.mismatched_entries, 2u);
  EXPECT_EQ(c.first_mismatches, (std::vector<std::size_t>{5, 77}));
  EXPECT_EQ(describe_pair(a.shape, 77), "a=4 b=-3 (pair 77)");
}

TEST(LutCheck, ReportedMetricsMustMatchTheSimulatedTable) {
  Approx a;
  auto reported = a.metrics;
  reported["wce"] = reported["wce"].get<double>() * 0.5;
  auto c = check_lut(a.shape, a.table, a.table, reported, "metrics.json");
  EXPECT_FALSE(c.metrics_match());
  for (const auto& m : c.metrics) EXPECT_EQ(m.equal, m.name != "wce") << m.name;
  // Printed with 15 significant digits: still equal (1e-12 relative).
  reported = a.metrics;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", a.metrics["smape"].get<double>());
  reported["smape"] = std::stod(buf);
  EXPECT_TRUE(check_lut(a.shape, a.table, a.table, reported, "m").metrics_match());
  EXPECT_TRUE(metric_equal(0.1, 0.1));
  EXPECT_FALSE(metric_equal(0.1, 0.1000001));
}

TEST(LutCheck, MissingMetricIsAnError) {
  Approx a;
  auto reported = a.metrics;
  reported.erase("smape");
  try {
    check_lut(a.shape, a.table, a.table, reported, "ga/metrics.json");
    FAIL();
  } catch (const flowrun::StageError& e) {
    EXPECT_NE(std::string(e.what()).find("ga/metrics.json: expected a number 'smape'"), std::string::npos);
  }
}
