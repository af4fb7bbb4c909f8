// Compiled networks simulated with Icarus Verilog and Verilator: every
// logit bit-exact against infer(), latency as the schedule says.
#include "rtl/accel.hpp"
#include "rtl/testbench_gen.hpp"
#include "rtl_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace flowrun::cnn::rtl {
namespace {

struct SimResult {
  bool ran = false;
  nlohmann::json result;
  std::string log;
};

// Compiles `q`, writes design + testbench for `count` random images and runs
// `sim` ("iverilog" or "verilator").
SimResult simulate(const QModel& q, const CompileOptions& o, long count, const std::string& sim,
                   const std::string& name, int ready_percent = 100, const std::string& plusargs = "") {
  SimResult r;
  if (!test::have(sim)) return r;
  r.ran = true;
  const auto dir = test::fresh_dir(name);
  const Design d = compile(q, o, name);
  write_design(d, (dir / "verilog").string(), (dir / "macros").string());
  const Design checked = check_design(q, dir / "verilog");
  const auto images = test::random_images(count, q.net.input.size(), 7);
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(count), 0);
  TestbenchOptions to;
  to.out_ready_percent = ready_percent;
  const auto tbdir = dir / "tb";
  const TestbenchInfo info = write_testbench(q, checked, dir / "verilog", images.data(),
                                             labels.data(), count, to, tbdir);
  std::string files = " '" + (tbdir / (info.top + ".v")).string() + "'";
  for (const auto& f : d.verilog) files += " '" + (dir / "verilog" / f.name).string() + "'";
  files += " '" + (dir / "macros" / "sram_models.v").string() + "'";
  const std::string def = "-DFLOWRUN_TBDIR='\"" + tbdir.string() + "/\"'";
  const auto log = dir / "sim.log";
  int rc;
  if (sim == "iverilog") {
    rc = test::run("iverilog -g2005 -s " + info.top + " " + def + " -o '" + (dir / "sim.vvp").string() +
                       "'" + files + " && cd '" + dir.string() + "' && vvp -n sim.vvp " + plusargs,
                   log);
  } else {
    rc = test::run("cd '" + dir.string() + "' && verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style " +
                       "--x-assign 0 --x-initial 0 --Mdir obj -MAKEFLAGS 'OPT_FAST=-O1' --top-module " +
                       info.top + " " + def + files + " && obj/V" + info.top + " " + plusargs,
                   log);
  }
  r.log = test::read_file(log);
  EXPECT_EQ(rc, 0) << r.log;
  const auto at = r.log.find("FLOWRUN_RESULT ");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no FLOWRUN_RESULT line:\n" << r.log;
    return r;
  }
  r.result = nlohmann::json::parse(r.log.substr(at + 15, r.log.find('\n', at) - at - 15));
  EXPECT_EQ(r.log.find("FLOWRUN_RESULT ", at + 1), std::string::npos) << "two result lines";
  EXPECT_EQ(r.result["expected_cycles_per_image"], d.schedule.latency_cycles);
  return r;
}

void expect_pass(const SimResult& r, long vectors) {
  if (!r.ran) GTEST_SKIP() << "simulator not installed";
  EXPECT_EQ(r.result["status"], "PASS") << r.log;
  EXPECT_EQ(r.result["vectors"], vectors);
  EXPECT_EQ(r.result["mismatches"], 0) << r.log;
  EXPECT_EQ(r.result["cycles_per_image"], r.result["expected_cycles_per_image"]);
}

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
