// The compiler's passes: schedule, banking transform, conflict check, ROM
// contents, bad options, lint of the generated Verilog, hex checking.
#include "rtl/accel.hpp"
#include "rtl/testbench_gen.hpp"
#include "rtl_test_support.hpp"

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

namespace flowrun::cnn::rtl {
namespace {

using test::kDefaultNet;
using test::kStrideNet;

const Shape kMnist{1, 28, 28};

CompileOptions with_f(int f, Partition p = Partition::Cyclic) {
  CompileOptions o;
  o.banking = f;
  o.partition = p;
  return o;
}

const LayerPlan& layer(const Schedule& s, const std::string& name) {
  for (const auto& l : s.layers)
    if (l.name == name) return l;
  throw std::runtime_error("no layer " + name);
}

TEST(CnnSchedule, DefaultNetCyclesAtF16) {
  const Network net = parse_network(kDefaultNet, kMnist, "t");
  const Schedule s = schedule(net, 1, with_f(16), "t");
  ASSERT_EQ(s.layers.size(), 6u);  // relu and flatten are fused / free
  EXPECT_EQ(layer(s, "conv1").cycles, 28 * 28 * 1 * 9);        // 1 group, 9 taps
  EXPECT_EQ(layer(s, "pool1").cycles, 14 * 14 * 1 * 4);        // 16 banks -> 1 word
  EXPECT_EQ(layer(s, "conv2").cycles, 14 * 14 * 2 * 144);      // 2 groups of 16
  EXPECT_EQ(layer(s, "pool2").cycles, 7 * 7 * 2 * 4);
  EXPECT_EQ(layer(s, "dense1").cycles, 8 * 1568);
  EXPECT_EQ(layer(s, "dense2").cycles, 1 * 128);                // 10 -> padded 16
  EXPECT_EQ(layer(s, "dense2").out.padded, 16);
  EXPECT_TRUE(layer(s, "conv1").relu);
  EXPECT_FALSE(layer(s, "dense2").relu);
  EXPECT_TRUE(layer(s, "dense2").logits);
  EXPECT_EQ(layer(s, "pool1").lanes, 16);
  EXPECT_EQ(s.mac_units, 16);
  const long expect = 784 + (7056 + 5) + (784 + 5) + (56448 + 5) + (392 + 5) + (12544 + 5) +
                      (128 + 3) + 1;
  EXPECT_EQ(s.latency_cycles, expect);
}

TEST(CnnSchedule, BankingScalesLatency) {
  // Acceptance: one F for every layer, latency(F) within 20 % of latency(1)/F.
  const Network net = parse_network(kDefaultNet, kMnist, "t");
  const long l1 = schedule(net, 1, with_f(1), "t").latency_cycles;
  EXPECT_GT(l1, net.macs());  // at least one cycle per MAC with one lane
  for (int f : {2, 4, 8}) {
    const long lf = schedule(net, 1, with_f(f), "t").latency_cycles;
    const double ideal = static_cast<double>(l1) / f;
    EXPECT_LE(lf, 1.2 * ideal) << "F=" << f;
    EXPECT_GE(lf, 0.8 * ideal) << "F=" << f;
  }
}

TEST(CnnSchedule, LayerBankingOverridesAndPadding) {
  const Network net = parse_network(kDefaultNet, kMnist, "t");
  CompileOptions o = with_f(4);
  o.layer_banking = {"conv1=3", "dense1=16"};
  const Schedule s = schedule(net, 1, o, "t");
  const auto& c1 = layer(s, "conv1");
  EXPECT_EQ(c1.lanes, 3);
  EXPECT_EQ(c1.out.padded, 18);  // 16 channels padded to a multiple of 3
  EXPECT_EQ(c1.groups, 6);
  EXPECT_EQ(c1.lane_macs, c1.cycles * 3);
  EXPECT_LT(c1.useful_macs, c1.lane_macs);  // 2 of 18 lane slots are padding
  EXPECT_EQ(layer(s, "pool1").lanes, 3);   // a pool keeps its input's banks
  EXPECT_EQ(layer(s, "conv2").lanes, 4);
  EXPECT_EQ(layer(s, "dense1").lanes, 16);
  EXPECT_EQ(s.mac_units, 16);
  // conv2 reads the 3-bank, 18-channel map of pool1, but only its 16 channels.
  EXPECT_EQ(layer(s, "conv2").taps, 9 * 16);
}

TEST(CnnSchedule, BadBankingOptions) {
  const Network net = parse_network(kDefaultNet, kMnist, "flow.yaml: stage rtl");
  auto fails = [&](std::vector<std::string> lb, int f, const std::string& what) {
    CompileOptions o = with_f(f);
    o.layer_banking = lb;
    try {
      schedule(net, 1, o, "flow.yaml: stage rtl");
      ADD_FAILURE() << "no error for " << what;
    } catch (const StageError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  fails({}, 0, "banking must be in [1, 256], got 0");
  fails({"conv9=4"}, 4, "the network has no layer 'conv9'");
  fails({"conv1"}, 4, "expected 'layer=F'");
  fails({"conv1=0"}, 4, "F must be in [1, 256], got 0");
  fails({"conv1=x4"}, 4, "F must be a whole number");
  fails({"relu1=4"}, 4, "is a relu");
  fails({"pool1=8"}, 4, "its F is that memory's bank count 4");
  fails({"conv1=4", "conv1=8"}, 4, "given twice");
}

TEST(CnnBanking, GeometryCyclicAndBlock) {
  Geometry g;
  g.height = g.width = 2;
  g.channels = 10;
  g.banks = 4;
  g.padded = 12;
  g.partition = Partition::Cyclic;
  EXPECT_EQ(g.bank_of(5), 1);
  EXPECT_EQ(g.word_of(5), 1);
  EXPECT_EQ(g.channel_at(1, 1), 5);
  g.partition = Partition::Block;  // 3 words per bank
  EXPECT_EQ(g.bank_of(5), 1);
  EXPECT_EQ(g.word_of(5), 2);
  EXPECT_EQ(g.channel_at(3, 0), 9);
  for (auto p : {Partition::Cyclic, Partition::Block}) {
    g.partition = p;
    for (int c = 0; c < g.padded; ++c) EXPECT_EQ(g.channel_at(g.bank_of(c), g.word_of(c)), c);
  }
}

TEST(CnnBanking, ConflictCheck) {
  const Network net = parse_network(kDefaultNet, kMnist, "t");
  for (auto p : {Partition::Cyclic, Partition::Block}) {
    const Schedule s = schedule(net, 1, with_f(8, p), "t");
    EXPECT_NO_THROW(check_conflicts(s, parallel_accesses(s)));
  }
  // Consecutive channels (the cyclic group order) on a block-partitioned
  // memory all live in one bank: the check must refuse it.
  const Schedule s = schedule(net, 1, with_f(8, Partition::Block), "t");
  std::vector<AccessSet> bad = {{"conv1", "conv1_act", "write group 0", {0, 1, 2, 3, 4, 5, 6, 7}}};
  try {
    check_conflicts(s, bad);
    FAIL() << "no conflict found";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("channels 0 and 1 both live in bank 0 of 8 (block)"),
              std::string::npos)
        << e.what();
  }
}

TEST(CnnBanking, MemoryPlan) {
  const QModel q = test::random_qmodel(kDefaultNet, kMnist, 1);
  const Design d = compile(q, with_f(16), "t");
  const MemoryPlan& m = d.memories;
  EXPECT_EQ(m.get("image").banks.size(), 1u);
  EXPECT_EQ(m.get("image").banks[0].depth, 784);
  EXPECT_EQ(m.get("conv1_act").banks.size(), 16u);
  EXPECT_EQ(m.get("conv1_act").banks[0].depth, 784);
  EXPECT_EQ(m.get("conv2_w").banks[3].depth, 2 * 144);
  EXPECT_EQ(m.get("conv2_w").banks[3].macro, "cnn_accel_conv2_w_b3");
  EXPECT_EQ(m.get("conv2_w").banks[3].init_file, "cnn_accel_conv2_w_b3.hex");
  EXPECT_EQ(m.get("dense1_w").bits(), 128L * 1568 * 8);
  EXPECT_EQ(m.get("dense2_w").bits(), 16L * 128 * 8);  // 6 padded lanes of zeros
  EXPECT_EQ(m.get("conv1_q").banks[0].width, 6 + 31 + 32);
  EXPECT_EQ(m.get("dense2_q").banks[0].width, 32);
  EXPECT_THROW(m.get("dense2_act"), StageError);  // logits live in registers
}

TEST(CnnBanking, CyclicAndBlockContents) {
  const QModel q = test::random_qmodel(kDefaultNet, kMnist, 2);
  const int R = 144;  // conv2 taps: 3*3*16
  const auto& w = q.layers[3].weight;
  for (auto p : {Partition::Cyclic, Partition::Block}) {
    const Design d = compile(q, with_f(8, p), "t");
    // conv2: 32 channels, 8 lanes, 4 groups
    for (int j = 0; j < 8; ++j) {
      const auto& words = d.contents.at("cnn_accel_conv2_w_b" + std::to_string(j));
      ASSERT_EQ(words.size(), 4u * R);
      for (int g = 0; g < 4; ++g) {
        const int o = p == Partition::Cyclic ? g * 8 + j : g + j * 4;
        for (int t = 0; t < R; t += 17) {
          EXPECT_EQ(words[g * R + t], hex_word(static_cast<std::uint8_t>(w[o * R + t]), 8))
              << to_string(p) << " lane " << j << " group " << g;
        }
      }
    }
  }
  // Padded lanes hold zero weights and zero requantization words.
  const Design d = compile(q, with_f(16), "t");
  for (const auto& x : d.contents.at("cnn_accel_dense2_w_b12")) EXPECT_EQ(x, "00");
  EXPECT_EQ(d.contents.at("cnn_accel_dense2_q_b12")[0], "00000000");
  // requant word = {shift, M, bias}
  const auto& ql = q.layers[0];
  std::uint64_t hi = (static_cast<std::uint64_t>(ql.shift[5]) << 31) |
                     static_cast<std::uint64_t>(ql.multiplier[5]);
  EXPECT_EQ(d.contents.at("cnn_accel_conv1_q_b5")[0],
            hex_word(hi >> 24, 13) + hex_word((hi & 0xFFFFFF) << 32 | static_cast<std::uint32_t>(ql.bias[5]), 56));
}

TEST(CnnVerilog, LintCleanWithVerilator) {
  if (!test::have("verilator")) GTEST_SKIP() << "verilator not installed";
  struct Case {
    std::vector<std::string> net;
    Shape in;
    CompileOptions o;
  };
  CompileOptions block3 = with_f(4, Partition::Block);
  block3.layer_banking = {"conv1=3"};
  std::vector<Case> cases = {{kDefaultNet, kMnist, with_f(16)},
                             {kStrideNet, kMnist, block3},
                             {kDefaultNet, kMnist, with_f(1)}};
  int n = 0;
  for (const auto& c : cases) {
    const QModel q = test::random_qmodel(c.net, c.in, 3, Rounding::Floor,
                                         n == 2 ? Saturation::Wrap : Saturation::Saturate);
    const Design d = compile(q, c.o, "t");
    const auto dir = test::fresh_dir("lint" + std::to_string(n++));
    write_design(d, (dir / "verilog").string(), (dir / "macros").string());
    std::string files;
    for (const auto& f : d.verilog) files += " '" + (dir / "verilog" / f.name).string() + "'";
    const auto log = dir / "lint.log";
    const int rc = test::run("verilator --lint-only -Wall -Wno-DECLFILENAME --top-module cnn_accel" +
                                 files + " '" + (dir / "macros" / "sram_models.v").string() + "'",
                             log);
    EXPECT_EQ(rc, 0) << test::read_file(log);
    EXPECT_EQ(test::read_file(log), "");
    // DECLFILENAME only for the macro models, which share one file.
    const int rc2 = test::run("verilator --lint-only -Wall --top-module cnn_accel" + files +
                                  " -v '" + (dir / "macros" / "sram_models.v").string() + "'",
                              log);
    EXPECT_EQ(rc2, 0) << test::read_file(log);
  }
}

TEST(CnnVerilog, CommentsNameLayersAndBanks) {
  const QModel q = test::random_qmodel(kDefaultNet, kMnist, 4);
  const Design d = compile(q, with_f(16), "t");
  const std::string& top = d.verilog[0].text;
  EXPECT_NE(top.find("module cnn_accel ("), std::string::npos);
  EXPECT_NE(top.find("cnn_accel_conv2_w_b3 u_conv2_w_b3"), std::string::npos);
  EXPECT_NE(top.find("// conv2_w: conv2 weights, one ROM bank per lane (cyclic)"), std::string::npos);
  EXPECT_NE(top.find("latency: first pixel accepted -> out_valid = " +
                     std::to_string(d.schedule.latency_cycles)),
            std::string::npos);
  EXPECT_EQ(d.verilog.size(), 7u);  // top + 6 sequencers
  EXPECT_EQ(d.description["latency_cycles"], d.schedule.latency_cycles);
  EXPECT_EQ(d.description["hex_files"].size(), 2u * (16 + 16 + 16 + 16));
  // Same inputs, same bytes.
  const Design d2 = compile(q, with_f(16), "t");
  EXPECT_EQ(d2.verilog[0].text, top);
  EXPECT_EQ(d2.description.dump(), d.description.dump());
}

TEST(CnnTestbench, HexMismatchIsNamed) {
  const QModel q = test::random_qmodel(kStrideNet, kMnist, 5);
  const Design d = compile(q, with_f(4), "t");
  const auto dir = test::fresh_dir("hexcheck");
  write_design(d, (dir / "verilog").string(), "");
  EXPECT_NO_THROW(check_design(q, dir / "verilog"));
  // Flip one weight of lane 2 of conv2 (line 3 = word 0 after two comment lines).
  const auto f = dir / "verilog" / "cnn_accel_conv2_w_b2.hex";
  std::string text = test::read_file(f);
  const std::string expected = d.contents.at("cnn_accel_conv2_w_b2")[1];
  const auto line4 = text.find('\n', text.find('\n', text.find('\n') + 1) + 1) + 1;
  text.replace(line4, 2, expected == "7f" ? "00" : "7f");
  std::ofstream(f) << text;
  try {
    check_design(q, dir / "verilog");
    FAIL() << "no error";
  } catch (const StageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cnn_accel_conv2_w_b2.hex:4: word 1 is "), std::string::npos) << m;
    EXPECT_NE(m.find("expected " + expected), std::string::npos) << m;
  }
  // A design compiled from another model is refused too.
  const QModel other = test::random_qmodel(kStrideNet, kMnist, 6);
  write_design(d, (dir / "verilog").string(), "");
  EXPECT_THROW(check_design(other, dir / "verilog"), StageError);
}

}  // namespace
}  // namespace flowrun::cnn::rtl
