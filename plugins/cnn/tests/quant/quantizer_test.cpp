// quantizer.int8 and the arithmetic it is built from: fixed-point
// multipliers, weight rounding, activation ranges, and the stage on a small
// synthetic float model whose labels are its own predictions (so the float
// accuracy is 1 and the int8 accuracy is exactly the agreement).
#include "quant/quantize.hpp"
#include "quant_fake_context.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace flowrun::cnn;
using flowrun::StageError;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path tmp(const std::string& name) {
  const fs::path d = fs::path(CNN_TEST_TMP) / "quantizer" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

CnnModel synthetic_model(unsigned seed) {
  CnnModel m;
  m.net = parse_network({"conv2d 4 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 16", "relu", "dense 3"},
                        {1, 8, 8}, "synthetic");
  m.params.resize(m.net.layers.size());
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < m.net.layers.size(); ++i) {
    const Layer& l = m.net.layers[i];
    if (!l.has_weights()) continue;
    const float a = std::sqrt(6.0f / static_cast<float>(l.reduction()));
    std::uniform_real_distribution<float> w(-a, a), b(-0.1f, 0.1f);
    for (long k = 0; k < l.weight_count(); ++k) m.params[i].weight.push_back(w(rng));
    for (int o = 0; o < l.out_channels; ++o) m.params[i].bias.push_back(b(rng));
  }
  return m;
}

std::vector<std::uint8_t> synthetic_pixels(long count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> px(0, 255), amp(40, 255), dark(0, 80), pct(0, 99);
  std::vector<std::uint8_t> v(static_cast<std::size_t>(count * 64));
  for (long i = 0; i < count; ++i) {
    const int a = amp(rng), d = dark(rng);
    for (int k = 0; k < 64; ++k) v[i * 64 + k] = pct(rng) < d ? 0 : static_cast<std::uint8_t>(px(rng) * a / 255);
  }
  return v;
}

// Labels are the float model's own classes.
ImageSplit labelled(const CnnModel& m, long count, unsigned seed) {
  ImageSplit s;
  s.count = count;
  s.pixels = synthetic_pixels(count, seed);
  const auto logits = float_forward(m, s.pixels.data(), count, 1);
  for (long i = 0; i < count; ++i) {
    const float* l = logits.data() + i * 3;
    s.labels.push_back(static_cast<std::uint8_t>(std::max_element(l, l + 3) - l));
  }
  return s;
}

struct Fixture {
  fs::path model_dir, data_dir;
  CnnModel model;
  ImageSet data;
};

Fixture make_fixture(const std::string& name) {
  Fixture f;
  const fs::path d = tmp(name);
  f.model = synthetic_model(4);
  f.model_dir = d / "model";
  write_model(f.model, f.model_dir);
  f.data.shape = {1, 8, 8};
  f.data.classes = 3;
  f.data.class_names = {"a", "b", "c"};
  f.data.train = labelled(f.model, 400, 1);
  f.data.test = labelled(f.model, 600, 2);
  f.data_dir = d / "data";
  write_images(f.data, f.data_dir);
  return f;
}

test::QuantFakeContext run_stage(const Fixture& f, const std::string& out, json params = json::object(),
                                 int threads = 2) {
  const auto& st = test::registered_stage("quantizer.int8");
  test::QuantFakeContext ctx(st.spec(), tmp(out), std::move(params), threads);
  ctx.inputs_by_port["model"] = f.model_dir;
  ctx.inputs_by_port["dataset"] = f.data_dir;
  st.run(ctx);
  return ctx;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(FixedMultiplier, UsesAllBitsAndIsAccurate) {
  for (int bits : {32, 16, 8}) {
    for (double m : {1e-6, 0.0003141, 0.01, 0.25, 0.5, 0.999, 1.0, 3.7, 100.0}) {
      const auto f = quant::fixed_multiplier(m, bits);
      EXPECT_FALSE(f.clamped) << m << " " << bits;
      EXPECT_GE(f.multiplier, std::int64_t{1} << (bits - 2)) << m << " " << bits;
      EXPECT_LT(f.multiplier, std::int64_t{1} << (bits - 1)) << m << " " << bits;
      const double got = std::ldexp(static_cast<double>(f.multiplier), -f.shift);
      EXPECT_LE(std::fabs(got - m) / m, std::ldexp(1.0, -(bits - 2))) << m << " " << bits;
    }
  }
  // Exact powers of two: M = 2^(bits-2), s = bits - 2 - log2(m).
  auto f = quant::fixed_multiplier(0.5, 32);
  EXPECT_EQ(f.multiplier, std::int64_t{1} << 30);
  EXPECT_EQ(f.shift, 31);
  f = quant::fixed_multiplier(1.0, 16);
  EXPECT_EQ(f.multiplier, 1 << 14);
  EXPECT_EQ(f.shift, 14);
  // Rounding up to 2^(bits-1) renormalises: 0.99999 with 8 bits -> 64 * 2^-6.
  f = quant::fixed_multiplier(0.99999, 8);
  EXPECT_EQ(f.multiplier, 64);
  EXPECT_EQ(f.shift, 6);
  // Too small for s <= 62: fewer bits, flagged.
  f = quant::fixed_multiplier(1e-15, 32);
  EXPECT_TRUE(f.clamped);
  EXPECT_EQ(f.shift, 62);
  EXPECT_EQ(f.multiplier, std::llround(std::ldexp(1e-15, 62)));
  // Too large for M < 2^(bits-1) with s >= 0.
  f = quant::fixed_multiplier(1e6, 16);
  EXPECT_TRUE(f.clamped);
  EXPECT_EQ(f.shift, 0);
  EXPECT_EQ(f.multiplier, 32767);
  EXPECT_THROW(quant::fixed_multiplier(0.0, 32), StageError);
}

TEST(QuantizeWeight, RoundsHalfAwayFromZeroAndClamps) {
  EXPECT_EQ(quant::quantize_weight(0.5f, 1.0), 1);
  EXPECT_EQ(quant::quantize_weight(-0.5f, 1.0), -1);
  EXPECT_EQ(quant::quantize_weight(0.49f, 1.0), 0);
  EXPECT_EQ(quant::quantize_weight(1.27f, 0.01), 127);
  EXPECT_EQ(quant::quantize_weight(-1.27f, 0.01), -127);
  EXPECT_EQ(quant::quantize_weight(5.0f, 0.01), 127);
  EXPECT_EQ(quant::quantize_weight(-5.0f, 0.01), -127);  // never -128
}

TEST(RangeStats, MaxAndPercentile) {
  quant::RangeStats s;
  std::vector<float> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(static_cast<float>(i % 2 ? i : -i));
  v.insert(v.end(), 1000, 0.0f);  // zeros count toward the percentile
  s.add(v.data(), static_cast<long>(v.size()));
  EXPECT_EQ(s.count(), 2000);
  EXPECT_EQ(s.max_abs(), 1000.0);
  EXPECT_EQ(s.percentile(100), 1000.0);
  EXPECT_EQ(s.percentile(40), 0.0);  // half the values are zero
  // 90 % of 2000 = 1800 values: the zeros and |v| <= 800, within a bin (2.2 %).
  EXPECT_NEAR(s.percentile(90), 800.0, 800 * 0.022);
  EXPECT_NEAR(s.percentile(99), 980.0, 980 * 0.022);
}

TEST(Quantize, ScalesFollowTheDocumentedFormulas) {
  const CnnModel m = synthetic_model(4);
  const auto px = synthetic_pixels(300, 9);
  quant::QuantizeOptions opt;
  opt.method = "max";
  opt.granularity = "per_channel";
  const auto r = quant::quantize(m, px.data(), 300, opt);
  const QModel& q = r.qmodel;
  EXPECT_DOUBLE_EQ(q.input_scale, 2.0 / 255.0);
  // conv1 is calibrated on relu1's float output: range = its max.
  std::vector<std::vector<float>> acts;
  float_forward(m, px.data(), 300, 1, &acts);
  const double relu1_max = *std::max_element(acts[1].begin(), acts[1].end());
  EXPECT_DOUBLE_EQ(q.layers[0].output_scale, relu1_max / 127.0);
  EXPECT_EQ(r.layers[0].calibrated_on, "relu1");
  for (int o = 0; o < 4; ++o) {
    double mx = 0;
    for (int k = 0; k < 9; ++k) mx = std::max(mx, std::fabs(static_cast<double>(m.params[0].weight[o * 9 + k])));
    EXPECT_DOUBLE_EQ(q.layers[0].weight_scale[o], mx / 127.0);
    EXPECT_EQ(q.layers[0].bias[o],
              std::lround(m.params[0].bias[o] / (q.layers[0].weight_scale[o] * q.input_scale)));
    const double real = q.layers[0].weight_scale[o] * q.input_scale / q.layers[0].output_scale;
    EXPECT_NEAR(std::ldexp(static_cast<double>(q.layers[0].multiplier[o]), -q.layers[0].shift[o]), real,
                real * 1e-9);
    for (int k = 0; k < 9; ++k)
      EXPECT_EQ(q.layers[0].weight[o * 9 + k], quant::quantize_weight(m.params[0].weight[o * 9 + k],
                                                                       q.layers[0].weight_scale[o]));
  }
  // dense1's input scale is conv1's output scale (relu, maxpool, flatten keep it).
  EXPECT_DOUBLE_EQ(q.layers[4].input_scale, q.layers[0].output_scale);
  // The last layer shares one weight scale (its int32 logits are compared).
  const auto& last = q.layers.back().weight_scale;
  EXPECT_EQ(std::set<double>(last.begin(), last.end()).size(), 1u);
  EXPECT_TRUE(q.layers.back().multiplier.empty());
}

TEST(Quantize, FloorBiasCorrectionAddsHalfAStep) {
  const CnnModel m = synthetic_model(4);
  const auto px = synthetic_pixels(100, 9);
  quant::QuantizeOptions opt;
  const auto nearest = quant::quantize(m, px.data(), 100, opt).qmodel;
  opt.rounding = Rounding::Floor;
  const auto floor = quant::quantize(m, px.data(), 100, opt).qmodel;
  for (std::size_t o = 0; o < nearest.layers[0].bias.size(); ++o) {
    const auto& l = floor.layers[0];
    EXPECT_EQ(l.bias[o] - nearest.layers[0].bias[o],
              std::llround(std::ldexp(1.0, l.shift[o] - 1) / static_cast<double>(l.multiplier[o])));
  }
  opt.floor_bias_correction = false;
  EXPECT_EQ(quant::quantize(m, px.data(), 100, opt).qmodel.layers[0].bias, nearest.layers[0].bias);
}

TEST(QuantizerStage, QuantizesAndReportsAccuracy) {
  const Fixture f = make_fixture("stage");
  std::set<int> classes(f.data.test.labels.begin(), f.data.test.labels.end());
  ASSERT_EQ(classes.size(), 3u) << "the synthetic model should use every class";
  auto ctx = run_stage(f, "run1");
  const QModel q = read_qmodel(ctx.output("qmodel"));
  EXPECT_EQ(q.granularity, "per_channel");
  EXPECT_EQ(q.multiplier_bits, 32);
  EXPECT_EQ(network_text(q.net), network_text(f.model.net));
  // The metrics are what infer_batch gives on the test split.
  const auto logits = infer_batch(q, f.data.test.pixels.data(), f.data.test.count, 1);
  long right = 0;
  for (long i = 0; i < f.data.test.count; ++i) {
    const std::vector<std::int32_t> l(logits.begin() + i * 3, logits.begin() + i * 3 + 3);
    right += predicted_class(l) == f.data.test.labels[i];
  }
  const double acc8 = static_cast<double>(right) / f.data.test.count;
  EXPECT_DOUBLE_EQ(ctx.metrics["int8_test_accuracy"].get<double>(), acc8);
  EXPECT_DOUBLE_EQ(ctx.metrics["float_test_accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(ctx.metrics["agreement"].get<double>(), acc8);
  EXPECT_NEAR(ctx.metrics["accuracy_loss_points"].get<double>(), 100.0 * (1.0 - acc8), 1e-9);
  EXPECT_GE(acc8, 0.95);
  EXPECT_EQ(ctx.metrics["calibration_images"], 400);
  EXPECT_EQ(ctx.metrics["eval_images"], 600);
  for (const char* k : {"saturations_conv1", "saturations_dense1", "saturations", "saturation_rate"})
    EXPECT_TRUE(ctx.metrics.contains(k)) << k;
  EXPECT_FALSE(ctx.metrics.contains("saturations_dense2"));  // logits are not requantized
  EXPECT_EQ(q.metrics["int8_test_accuracy"], ctx.metrics["int8_test_accuracy"]);
  EXPECT_EQ(q.source["stage"], "quantizer.int8/1");
  EXPECT_EQ(q.source["model_sha256"].get<std::string>().size(), 64u);
}

TEST(QuantizerStage, ArtifactIsIdenticalForAnyThreadCount) {
  const Fixture f = make_fixture("determinism");
  auto a = run_stage(f, "a", json::object(), 1);
  auto b = run_stage(f, "b", json::object(), 3);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(a.output("qmodel"))) {
    ++files;
    EXPECT_EQ(slurp(e.path()), slurp(b.output("qmodel") / e.path().filename())) << e.path().filename();
  }
  EXPECT_EQ(files, 7u);  // qmodel.json + weight and bias of three layers
}

TEST(QuantizerStage, ParamsReachTheQModel) {
  const Fixture f = make_fixture("params");
  auto ctx = run_stage(f, "narrow",
                       {{"granularity", "per_tensor"},
                        {"multiplier_bits", 12},
                        {"rounding", "floor"},
                        {"saturation", "wrap"},
                        {"method", "max"},
                        {"calibration_images", 50}});
  const QModel q = read_qmodel(ctx.output("qmodel"));
  EXPECT_EQ(q.granularity, "per_tensor");
  EXPECT_EQ(q.multiplier_bits, 12);
  EXPECT_EQ(q.rounding, Rounding::Floor);
  EXPECT_EQ(q.saturation, Saturation::Wrap);
  EXPECT_EQ(ctx.metrics["calibration_images"], 50);
  for (const auto& l : q.layers)
    for (std::size_t o = 0; o < l.multiplier.size(); ++o) {
      EXPECT_LT(l.multiplier[o], 2048);
      EXPECT_GE(l.multiplier[o], 1024);
      EXPECT_EQ(l.multiplier[o], l.multiplier[0]);
      EXPECT_EQ(l.weight_scale[o], l.weight_scale[0]);
    }
  // Range max: nothing saturates on the calibration images themselves.
  EXPECT_GE(ctx.metrics["int8_test_accuracy"].get<double>(), 0.9);
}

TEST(QuantizerStage, RefusesMismatchedInputs) {
  Fixture f = make_fixture("mismatch");
  ImageSet other = f.data;
  other.shape = {1, 4, 16};
  const fs::path d = tmp("mismatch_data") / "data";
  write_images(other, d);
  f.data_dir = d;
  try {
    run_stage(f, "mismatch_run");
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("1x4x16"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1x8x8"), std::string::npos) << msg;
  }
  Fixture g = make_fixture("no_val");
  try {
    run_stage(g, "no_val_run", {{"eval_split", "val"}});
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("val split is empty"), std::string::npos) << e.what();
  }
}
