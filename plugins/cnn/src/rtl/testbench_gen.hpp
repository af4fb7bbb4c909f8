// testbench.cnn's generator (docs/cnn-hardware.md, "Testbench").
#pragma once

#include "rtl/accel.hpp"

#include <filesystem>
#include <string>

namespace flowrun::cnn::rtl {

// Reads design_dir/design.json, compiles the qmodel again with the options
// recorded there and checks every ROM .hex file of the design against the
// banks that gives. Errors name the file, the line and the expected word.
Design check_design(const QModel& q, const std::filesystem::path& design_dir);

struct TestbenchOptions {
  int out_ready_percent = 100;  // back-pressure: out_ready high this often
  int timeout_s = 3600;
  int threads = 1;  // for the integer model's expected values
  std::string generator = "testbench.cnn";
  // Products of the expected values' integer model (an approximate MAC
  // multiplier's effective table); null: exact int8 products.
  const ProductTable* products = nullptr;
  nlohmann::json provenance = nlohmann::json::object();
};

struct TestbenchInfo {
  std::string top;
  long vectors = 0;
  double expected_accuracy = 0;  // the integer model's accuracy on these images
};

// Writes testbench.json (flowrun.testbench/1, shardable), tb_<top>.v,
// images.hex, expected.hex and copies of the design's .hex files.
TestbenchInfo write_testbench(const QModel& q, const Design& design,
                              const std::filesystem::path& design_dir, const std::uint8_t* pixels,
                              const std::uint8_t* labels, long count, const TestbenchOptions& opt,
                              const std::filesystem::path& out_dir);

}  // namespace flowrun::cnn::rtl
