// The generated Verilog under the real tools: lint-clean in Verilator
// (-Wall) and Icarus Verilog (-g2005), and bit-exact in simulation with
// the generated testbench -- which must also be able to fail.
#include "quantize.hpp"
#include "rtl_writer.hpp"
#include "testbench_writer.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace flowrun::decoder {
namespace {

namespace fs = std::filesystem;

struct Config {
  const char* name;
  int rois, history, feature_bits, weight_bits, acc_bits;  // acc_bits 0: the exact requirement
  int mac_units;                                           // 0: rois*history
};

std::ostream& operator<<(std::ostream& os, const Config& c) { return os << c.name; }

const Config kConfigs[] = {
    {"serial_1_mac", 3, 2, 12, 10, 32, 1},
    {"middle_4_macs_padded", 3, 2, 12, 10, 32, 4},   // 6 terms: groups of 4 and 2
    {"middle_3_macs", 3, 2, 12, 10, 32, 3},
    {"parallel", 3, 2, 12, 10, 32, 0},
    {"parallel_history_1", 4, 1, 8, 8, 20, 4},
    {"serial_history_1", 4, 1, 8, 8, 20, 2},
    {"narrow_acc_serial", 2, 3, 16, 16, 0, 2},        // acc narrower than a full product
    {"narrow_acc_parallel", 2, 3, 16, 16, 0, 6},
};

QModel make_qmodel(const Config& c, const neuro::Dataset& data) {
  QuantizeOptions opt;
  opt.feature_bits = c.feature_bits;
  opt.weight_bits = c.weight_bits;
  opt.acc_bits = 64;
  const auto model = test::make_model(c.rois, c.history, 17);
  QModel q = quantize_model(model, data, opt, c.name);
  opt.acc_bits = c.acc_bits ? c.acc_bits : q.acc_required_bits;
  q = quantize_model(model, data, opt, c.name);
  q.provenance = {{"model_sha256", "test"}, {"stage", "quantizer.fixed_point"}};
  return q;
}

class GeneratedRtl : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    const Config& c = GetParam();
    data_ = test::make_dataset(c.rois, 5, 2, 3, 40);
    q_ = make_qmodel(c, data_);
    dir_ = test::scratch(std::string("rtl_") + c.name);
    RtlOptions opt;
    opt.module_name = "dec core";  // sanitized to dec_core
    opt.mac_units = c.mac_units;
    design_ = generate_decoder_rtl(q_, opt);
    test::write_text(dir_ / "decoder.v", design_.verilog);
  }

  neuro::Dataset data_;
  QModel q_;
  fs::path dir_;
  RtlDesign design_;
};

TEST_P(GeneratedRtl, DescribesItsTiming) {
  const Config& c = GetParam();
  const int terms = c.rois * c.history;
  const int macs = c.mac_units ? c.mac_units : terms;
  EXPECT_EQ(design_.module_name, "dec_core");
  EXPECT_EQ(design_.mac_units, macs);
  EXPECT_EQ(design_.cycles_per_frame, (terms + macs - 1) / macs);
  EXPECT_EQ(design_.latency_cycles, macs == terms ? 1 : design_.cycles_per_frame + 1);
  EXPECT_NE(design_.verilog.find("module dec_core ("), std::string::npos);
  EXPECT_NE(design_.verilog.find(q_.feature.name()), std::string::npos);
  EXPECT_NE(design_.verilog.find("model sha256:   test"), std::string::npos);
}

TEST_P(GeneratedRtl, VerilatorWallIsClean) {
  if (!test::have_program("verilator")) GTEST_SKIP() << "verilator not installed";
  const auto r = test::run_in(dir_, "verilator --lint-only -Wall decoder.v");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
}

TEST_P(GeneratedRtl, IcarusCompilesWithoutWarnings) {
  if (!test::have_program("iverilog")) GTEST_SKIP() << "iverilog not installed";
  const auto r = test::run_in(dir_, "iverilog -g2005 -Wall -o decoder.vvp decoder.v");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
}

// Compiles RTL + testbench the way sim.iverilog does and runs vvp in a
// results folder; returns the parsed FLOWRUN_RESULT line.
nlohmann::json simulate(const fs::path& dir, const TestbenchArtifact& tb, std::string* log) {
  const fs::path tbdir = dir / "testbench";
  const fs::path results = dir / "results";
  fs::create_directories(results);
  const auto compile = test::run_in(
      results, "iverilog -g2005 -s " + tb.top + " -DFLOWRUN_TBDIR='\"" + tbdir.string() +
                   "/\"' -o sim.vvp '" + (tbdir / "tb_decoder.v").string() + "' '" +
                   (dir / "decoder.v").string() + "'");
  if (compile.exit_code != 0) {
    *log = compile.output;
    return nullptr;
  }
  const auto run = test::run_in(results, "vvp -n sim.vvp +vcd");
  *log = run.output;
  const std::string tag = "FLOWRUN_RESULT ";
  const auto pos = run.output.find(tag);
  if (pos == std::string::npos) return nullptr;
  const auto end = run.output.find('\n', pos);
  return nlohmann::json::parse(run.output.substr(pos + tag.size(), end - pos - tag.size()));
}

TEST_P(GeneratedRtl, SimulationIsBitExactAndCanFail) {
  if (!test::have_program("iverilog") || !test::have_program("vvp")) {
    GTEST_SKIP() << "iverilog/vvp not installed";
  }
  TestbenchOptions opt;
  opt.module_name = "dec core";
  const TestbenchArtifact tb = generate_testbench(q_, data_.eval, opt);
  write_testbench(tb, dir_ / "testbench");
  EXPECT_EQ(tb.vector_count, 3 * 40);
  EXPECT_EQ(tb.top, "tb_dec_core");

  std::string log;
  const nlohmann::json ok = simulate(dir_, tb, &log);
  ASSERT_FALSE(ok.is_null()) << log;
  EXPECT_EQ(ok.at("status"), "PASS") << log;
  EXPECT_EQ(ok.at("vectors"), tb.vector_count);
  EXPECT_EQ(ok.at("mismatches"), 0) << log;
  EXPECT_NEAR(ok.at("float_agreement").get<double>(),
              static_cast<double>(tb.expected_float_agreements) / tb.vector_count, 1e-6);
  EXPECT_TRUE(fs::exists(dir_ / "results" / "dump.vcd"));
  // The timing the generator documents is the timing the RTL has.
  EXPECT_EQ(ok.at("latency_cycles"), design_.latency_cycles) << log;
  EXPECT_EQ(ok.at("min_latency_cycles"), design_.latency_cycles) << log;
  EXPECT_EQ(ok.at("frame_interval_cycles"), design_.cycles_per_frame) << log;

  // Without FLOWRUN_TBDIR the vectors come from the working directory.
  const auto local = test::run_in(dir_ / "testbench",
                                  "iverilog -g2005 -s " + tb.top + " -o local.vvp tb_decoder.v ../decoder.v"
                                  " && vvp -n local.vvp");
  EXPECT_NE(local.output.find("FLOWRUN_RESULT {\"status\":\"PASS\""), std::string::npos)
      << local.output;

  // Corrupt one expected logit (flip the lowest bit of its last hex
  // digit): the testbench must report exactly that vector.
  std::string hex = test::read_text(dir_ / "testbench" / "vectors.hex");
  std::size_t line_start = 0;
  int data_line = 0;
  for (std::size_t pos = 0; pos < hex.size(); pos = hex.find('\n', pos) + 1) {
    if (hex.compare(pos, 2, "//") == 0) continue;
    if (data_line++ == 57) { line_start = pos; break; }
  }
  const int FW = (q_.rois * q_.feature.bits + 3) / 4 * 4;
  const int LW = (q_.accumulator.bits + 3) / 4 * 4;
  const std::size_t digit = line_start + LW / 4;  // last digit of the logit field
  ASSERT_EQ(hex.find('\n', line_start), line_start + 1 + LW / 4 + FW / 4);
  hex[digit] = "0123456789abcdef"[std::stoi(hex.substr(digit, 1), nullptr, 16) ^ 1];
  test::write_text(dir_ / "testbench" / "vectors.hex", hex);
  const nlohmann::json bad = simulate(dir_, tb, &log);
  ASSERT_FALSE(bad.is_null()) << log;
  EXPECT_EQ(bad.at("status"), "FAIL") << log;
  EXPECT_EQ(bad.at("mismatches"), 1) << log;
  EXPECT_NE(log.find("tb: vector 57:"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Configs, GeneratedRtl, ::testing::ValuesIn(kConfigs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(GeneratedRtlOptions, RejectsTooManyMacUnits) {
  const auto data = test::make_dataset(3, 5, 2, 2, 20);
  const QModel q = make_qmodel(kConfigs[0], data);
  RtlOptions opt;
  opt.mac_units = 7;
  EXPECT_THROW(generate_decoder_rtl(q, opt), std::invalid_argument);
}

TEST(Testbench, ManifestFollowsTheContract) {
  const auto data = test::make_dataset(3, 5, 2, 2, 20);
  const QModel q = make_qmodel(kConfigs[0], data);
  TestbenchOptions opt;
  opt.max_frames = 25;
  const TestbenchArtifact tb = generate_testbench(q, data.eval, opt);
  EXPECT_EQ(tb.vector_count, 25);
  EXPECT_EQ(tb.sequences, 2);
  EXPECT_EQ(tb.manifest.at("format"), "flowrun.testbench/1");
  EXPECT_EQ(tb.manifest.at("top"), "tb_logistic_decoder");
  EXPECT_EQ(tb.manifest.at("sources"), nlohmann::json::array({"tb_decoder.v"}));
  EXPECT_EQ(tb.manifest.at("timeout_s"), 600);
  EXPECT_NE(tb.verilog.find("$readmemh({`FLOWRUN_TBDIR, \"vectors.hex\"}, vectors)"),
            std::string::npos);
  EXPECT_NE(tb.verilog.find("$test$plusargs(\"vcd\")"), std::string::npos);
}

}  // namespace
}  // namespace flowrun::decoder
