// End to end: the decoder hardware stages run under `flowrun` on a small
// synthetic recording, and the testbench they produce passes against the
// RTL they produce in Icarus Verilog.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace flowrun::decoder {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFlow = std::string(DECODER_SOURCE_DIR) + "/tests/flows/decoder_hw.yaml";

class DecoderFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto probe = test::run_in(fs::temp_directory_path(),
                                    std::string("'") + FLOWRUN_BIN + "' describe dataset.calcium");
    if (probe.exit_code != 0) GTEST_SKIP() << "the neuro plugin is not built: " << probe.output;
  }

  // Runs the flow with --set overrides; returns the exit code and report.
  int run(const fs::path& run_dir, const std::vector<std::string>& sets, json* report,
          std::string* output) {
    std::string cmd = std::string("'") + FLOWRUN_BIN + "' run '" + kFlow + "' --run-dir '" +
                      run_dir.string() + "' --cache-dir '" +
                      (run_dir.parent_path() / "cache").string() + "' --set data.frames=300";
    for (const auto& s : sets) cmd += " --set " + s;
    const auto r = test::run_in(run_dir.parent_path(), cmd);
    *output = r.output;
    if (fs::exists(run_dir / "report.json")) {
      *report = json::parse(test::read_text(run_dir / "report.json"));
    }
    return r.exit_code;
  }
};

TEST_F(DecoderFlow, StagesRunAndTheTestbenchPassesOnTheRtl) {
  const fs::path dir = test::scratch("flow_ok");
  json report;
  std::string out;
  ASSERT_EQ(run(dir / "run", {"rtl.mac_units=4"}, &report, &out), 0) << out;
  const json& st = report.at("stages");
  for (const char* s : {"quant", "rtl", "tb"}) EXPECT_EQ(st.at(s).at("status"), "ok") << s;

  const json& qm = st.at("quant").at("metrics");
  EXPECT_LE(qm.at("accuracy_loss").get<double>(), 0.005);
  EXPECT_GE(qm.at("agreement").get<double>(), 0.995);
  EXPECT_EQ(qm.at("saturations").get<long>(),
            qm.at("feature_saturations").get<long>() + qm.at("weight_saturations").get<long>());
  const json& rm = st.at("rtl").at("metrics");
  EXPECT_EQ(rm.at("latency_cycles"), 32 / 4 + 1);  // 8 ROIs x 4 frames, 4 MAC units
  EXPECT_DOUBLE_EQ(rm.at("throughput_frames_per_cycle").get<double>(), 1.0 / 8);
  const json& tm = st.at("tb").at("metrics");
  EXPECT_EQ(tm.at("vectors"), 3 * 300);

  const fs::path tbdir = dir / "run" / "tb" / "out" / "testbench";
  const json manifest = json::parse(test::read_text(tbdir / "testbench.json"));
  EXPECT_EQ(manifest.at("format"), "flowrun.testbench/1");

  if (!test::have_program("iverilog") || !test::have_program("vvp")) {
    GTEST_SKIP() << "iverilog/vvp not installed";
  }
  const fs::path sim = dir / "sim";
  fs::create_directories(sim);
  std::string compile = "iverilog -g2005 -s " + manifest.at("top").get<std::string>() +
                        " -DFLOWRUN_TBDIR='\"" + tbdir.string() + "/\"' -o sim.vvp";
  for (const auto& src : manifest.at("sources")) compile += " '" + (tbdir / src.get<std::string>()).string() + "'";
  compile += " '" + (dir / "run" / "rtl" / "out" / "decoder.v").string() + "'";
  const auto c = test::run_in(sim, compile);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const auto r = test::run_in(sim, "vvp -n sim.vvp");
  const auto pos = r.output.find("FLOWRUN_RESULT ");
  ASSERT_NE(pos, std::string::npos) << r.output;
  const json result = json::parse(r.output.substr(pos + 15, r.output.find('\n', pos) - pos - 15));
  EXPECT_EQ(result.at("status"), "PASS") << r.output;
  EXPECT_EQ(result.at("mismatches"), 0);
  EXPECT_EQ(result.at("vectors"), 900);
  EXPECT_NEAR(result.at("float_agreement").get<double>(),
              tm.at("expected_float_agreement").get<double>(), 1e-6);
  EXPECT_EQ(result.at("latency_cycles"), rm.at("latency_cycles"));
}

TEST_F(DecoderFlow, NarrowAccumulatorFailsTheQuantizerWithTheWidths) {
  const fs::path dir = test::scratch("flow_narrow_acc");
  json report;
  std::string out;
  EXPECT_EQ(run(dir / "run", {"quant.acc_bits=24"}, &report, &out), 1) << out;
  const json& q = report.at("stages").at("quant");
  EXPECT_EQ(q.at("status"), "failed");
  const std::string err = q.at("error");
  EXPECT_NE(err.find("acc_bits=24 is too narrow"), std::string::npos) << err;
  EXPECT_NE(err.find("could overflow"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir / "run" / "quant" / "out" / "qmodel.json"));
}

TEST_F(DecoderFlow, TooManyMacUnitsIsAClearError) {
  const fs::path dir = test::scratch("flow_mac_units");
  json report;
  std::string out;
  EXPECT_EQ(run(dir / "run", {"rtl.mac_units=33"}, &report, &out), 1) << out;
  const std::string err = report.at("stages").at("rtl").at("error");
  EXPECT_NE(err.find("mac_units=33 is outside [1, rois*history = 8*4 = 32]"), std::string::npos)
      << err;
}

}  // namespace
}  // namespace flowrun::decoder
