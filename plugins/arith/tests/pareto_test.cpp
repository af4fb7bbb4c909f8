#include "pareto.hpp"

#include <gtest/gtest.h>

using namespace flowrun::arith;

namespace {

DesignPoint point(const std::string& inst, double transistors, double wce, double eps) {
  DesignPoint p;
  p.instance = inst;
  p.set("transistors", transistors);
  p.set("wce", wce);
  p.set("eps_end", eps);
  return p;
}

}  // namespace

TEST(Pareto, InstanceKeyIsTheMatrixCoordinate) {
  EXPECT_EQ(instance_key("ga[eps_end=0.005]"), "eps_end=0.005");
  EXPECT_EQ(instance_key("sta_evolved[eps_end=0.005]"), "eps_end=0.005");
  EXPECT_EQ(instance_key("ga"), "");
}

TEST(Pareto, FrontKeepsOnlyNonDominatedPoints) {
  const std::vector<DesignPoint> pts{
      point("p0", 2000, 0.001, 0.001),  // front
      point("p1", 1800, 0.004, 0.005),  // front
      point("p2", 1900, 0.005, 0.01),   // dominated by p1
      point("p3", 1500, 0.02, 0.02),    // front
      point("p4", 1500, 0.03, 0.05),    // dominated by p3 (same cost, more error)
  };
  EXPECT_EQ(pareto_front(pts, "transistors", "wce"), (std::vector<std::size_t>{0, 1, 3}));
  EXPECT_TRUE(pareto_front(pts, "power_mw", "wce").empty());  // no power data
}

TEST(Pareto, CsvTables) {
  std::vector<DesignPoint> pts{point("ga[eps_end=0.005]", 1800, 0.004, 0.005), point("ga[eps_end=0.02]", 1500, 0.02, 0.02)};
  pts[0].set("ratio", 0.75);
  const auto table = table_csv(pts);
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "instance,eps_end,transistors,ratio,cells,area,power_mw,delay_ns,wce,nmed,er,mre,med,wce_abs,smape,mse,"
            "seed_transistors,generations");
  EXPECT_NE(table.find("\"ga[eps_end=0.005]\",0.005,1800,0.75,,,,,0.004,"), std::string::npos) << table;
  const auto front = pareto_csv(pts);
  EXPECT_EQ(front,
            "cost,error,instance,eps_end,cost_value,error_value\n"
            "transistors,wce,\"ga[eps_end=0.005]\",0.005,1800,0.004\n"
            "transistors,wce,\"ga[eps_end=0.02]\",0.02,1500,0.02\n");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(1.0 / 3), "0.3333333333333333");
}
