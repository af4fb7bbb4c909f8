// cnn.banking_table: rows sorted by F, energy per image from power, cycles
// and clock, the scaling against cycles(F=1)/F, CSV, and the errors a user
// meets when a sweep is wired wrong.
#include "report/banking_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace flowrun::cnn::report {
namespace {

BankingInputs point(int f, long cycles, double logic, double power_mw, double fmax) {
  BankingInputs in;
  in.instance = "rtl[banking=" + std::to_string(f) + "]";
  in.where_design = "rtl/" + std::to_string(f) + "/design.json";
  in.where_synth = "synth/" + std::to_string(f) + "/metrics.json";
  in.where_sta = "sta/" + std::to_string(f) + "/metrics.json";
  in.design = {{"options", {{"banking", f}}},
               {"latency_cycles", cycles},
               {"mac_units", f},
               {"memory_bits", 1000},
               {"memories", json::array({{{"banks", json::array({1, 2})}}, {{"banks", json::array({3})}}})}};
  in.synth = {{"logic_area", logic}, {"macro_area", 5000.0}, {"cells", 100}, {"sequential_cells", 10}};
  in.sta = {{"clock_period_ns", 10.0}, {"power_mw", power_mw}, {"fmax_mhz", fmax}, {"wns_ns", 1.5}};
  return in;
}

TEST(BankingTable, RowsEnergyAndScaling) {
  // Given out of order, as a many port may gather them.
  std::vector<BankingInputs> in = {point(4, 260, 300, 2.0, 100), point(1, 1000, 100, 1.0, 125),
                                   point(2, 520, 200, 1.5, 110)};
  in[2].sim = json{{"result", {{"vectors", 3}, {"mismatches", 0}, {"cycles_per_image", 520}}}};
  const auto rows = banking_rows(in);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["F"], 1);
  EXPECT_EQ(rows[1]["F"], 2);
  EXPECT_EQ(rows[2]["F"], 4);
  // energy = power_mw * cycles * period_ns * 1e-6 uJ: 1 mW * 1000 * 10 ns = 10 nJ = 0.01 uJ.
  EXPECT_DOUBLE_EQ(rows[0]["energy_per_image_uj"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(rows[2]["energy_per_image_uj"].get<double>(), 2.0 * 260 * 10 * 1e-6);
  EXPECT_DOUBLE_EQ(rows[2]["ideal_cycles"].get<double>(), 250.0);
  EXPECT_DOUBLE_EQ(rows[2]["scaling"].get<double>(), 260.0 / 250.0);
  EXPECT_DOUBLE_EQ(rows[0]["scaling"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows[0]["image_time_us_at_fmax"].get<double>(), 8.0);  // 1000 cycles at 125 MHz
  EXPECT_DOUBLE_EQ(rows[1]["area"].get<double>(), 5200.0);
  EXPECT_EQ(rows[1]["memory_banks"], 3);
  EXPECT_EQ(rows[1]["sim_images"], 3);
  EXPECT_EQ(rows[1]["sim_mismatches"], 0);
  EXPECT_FALSE(rows[0].contains("sim_images"));

  const std::string csv = banking_csv(rows);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.rfind("F,latency_cycles,ideal_cycles,scaling,mac_units,", 0), 0u) << header;
  EXPECT_NE(header.find(",energy_per_image_uj,"), std::string::npos);
  const std::string first = csv.substr(csv.find('\n') + 1, csv.find('\n', csv.find('\n') + 1) - csv.find('\n') - 1);
  EXPECT_EQ(first.rfind("1,1000,", 0), 0u) << first;
  EXPECT_NE(first.find("\"rtl[banking=1]\""), std::string::npos) << first;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

TEST(BankingTable, NoScalingWithoutF1) {
  const auto rows = banking_rows({point(2, 520, 200, 1.5, 110)});
  EXPECT_FALSE(rows[0].contains("scaling"));
  EXPECT_FALSE(rows[0].contains("ideal_cycles"));
}

std::string error_of(const std::vector<BankingInputs>& in) {
  try {
    banking_rows(in);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(BankingTable, ErrorsNameTheFileAndField) {
  auto p = point(2, 520, 200, 1.5, 110);
  p.sta.erase("power_mw");
  std::string e = error_of({p});
  EXPECT_NE(e.find("sta/2/metrics.json"), std::string::npos) << e;
  EXPECT_NE(e.find("'power_mw'"), std::string::npos) << e;

  p = point(2, 520, 200, 1.5, 110);
  p.synth["logic_area"] = "big";
  e = error_of({p});
  EXPECT_NE(e.find("synth/2/metrics.json"), std::string::npos) << e;
  EXPECT_NE(e.find("'logic_area'"), std::string::npos) << e;

  p = point(2, 520, 200, 1.5, 110);
  p.design.erase("options");
  e = error_of({p});
  EXPECT_NE(e.find("rtl/2/design.json"), std::string::npos) << e;

  p = point(2, 520, 200, 1.5, 110);
  p.sim = json{{"result", {{"vectors", 3}}}};
  p.where_sim = "sim/2/summary.json";
  e = error_of({p});
  EXPECT_NE(e.find("sim/2/summary.json"), std::string::npos) << e;
  EXPECT_NE(e.find("'mismatches'"), std::string::npos) << e;

  e = error_of({point(2, 520, 200, 1.5, 110), point(2, 530, 200, 1.5, 110)});
  EXPECT_NE(e.find("two designs with F = 2"), std::string::npos) << e;
}

TEST(BankingTable, InstanceKey) {
  EXPECT_EQ(instance_key("synth[banking=4]"), "banking=4");
  EXPECT_EQ(instance_key("rtl[banking=4,partition=block]"), "banking=4,partition=block");
  EXPECT_EQ(instance_key("rtl"), "");
}

}  // namespace
}  // namespace flowrun::cnn::report
