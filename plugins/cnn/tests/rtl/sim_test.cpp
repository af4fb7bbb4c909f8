// Compiled networks simulated with Icarus Verilog and Verilator: every
// logit bit-exact against infer(), latency as the schedule says.
#include "rtl/accel.hpp"
#include "rtl/testbench_gen.hpp"
#include "rtl_sim_support.hpp"
#include "rtl_test_support.hpp"

#include <gtest/gtest.h>

namespace flowrun::cnn::rtl {
namespace {

using test::expect_pass;
using test::simulate;

const std::vector<std::string> kSmallNet = {"conv2d 4 kernel=3 stride=1 padding=1", "relu",
                                            "maxpool 2", "conv2d 6 kernel=3", "relu",
                                            "flatten", "dense 5"};
const Shape kSmall{2, 8, 8};

CompileOptions opts(int f, Partition p, std::vector<std::string> lb = {}) {
  CompileOptions o;
  o.banking = f;
  o.partition = p;
  o.layer_banking = std::move(lb);
  return o;
}

TEST(CnnSim, SmallNetIcarusCyclic) {
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 11);
  expect_pass(simulate(q, opts(4, Partition::Cyclic), 4, "iverilog", "small_iv_cyc", 60), 4);
}

TEST(CnnSim, SmallNetIcarusBlockPadded) {
  // F=3 does not divide 4, 6 or 5 channels: zero-weight padding lanes.
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 12, Rounding::Floor, Saturation::Wrap);
  expect_pass(simulate(q, opts(3, Partition::Block, {"dense1=2"}), 3, "iverilog", "small_iv_blk"), 3);
}

TEST(CnnSim, SmallNetVerilatorShards) {
  const QModel q = test::random_qmodel(kSmallNet, kSmall, 13);
  const auto a = simulate(q, opts(2, Partition::Cyclic), 7, "verilator", "small_vl",
                          70, "+flowrun_shard=1 +flowrun_shards=2");
  expect_pass(a, 4);  // images 3..6 of 7
  EXPECT_EQ(a.result["shard"], 1);
}

TEST(CnnSim, StrideNetVerilatorAndIcarus) {
  // The second network shape: 5x5 kernels, stride 2, no pooling, three dense layers.
  const QModel q = test::random_qmodel(test::kStrideNet, Shape{1, 28, 28}, 14);
  expect_pass(simulate(q, opts(8, Partition::Cyclic), 3, "verilator", "stride_vl"), 3);
  expect_pass(simulate(q, opts(4, Partition::Block, {"conv1=8"}), 1, "iverilog", "stride_iv"), 1);
}

TEST(CnnSim, DefaultNetVerilator) {
  const QModel q = test::random_qmodel(test::kDefaultNet, Shape{1, 28, 28}, 15);
  expect_pass(simulate(q, opts(16, Partition::Cyclic), 3, "verilator", "default_vl"), 3);
}

}  // namespace
}  // namespace flowrun::cnn::rtl
