#include "integer_model.hpp"
#include "quantize.hpp"
#include "test_support.hpp"

#include <flowrun/stage.hpp>
#include <gtest/gtest.h>

namespace flowrun::decoder {
namespace {

double train_max_abs(const neuro::Dataset& d) {
  double m = 0;
  for (const auto& s : d.train) m = std::max(m, s.frames.cwiseAbs().maxCoeff());
  return m;
}

TEST(Quantizer, ChoosesFormatsByTheDocumentedRule) {
  const auto data = test::make_dataset(4, 3);
  const auto model = test::make_model(4, 3, 5);
  const QModel q = quantize_model(model, data, QuantizeOptions{}, "m");
  EXPECT_EQ(q.feature.bits, 16);
  EXPECT_EQ(q.feature.frac_bits, choose_frac_bits(train_max_abs(data), 16));
  EXPECT_EQ(q.weight.frac_bits, choose_frac_bits(3.1, 16));  // max |w| = 3.1 -> Q3.13
  EXPECT_EQ(q.weight.frac_bits, 13);
  EXPECT_EQ(q.accumulator.frac_bits, q.feature.frac_bits + q.weight.frac_bits);
  EXPECT_EQ(q.weights[0], 25395);  // round(3.1 * 2^13) = round(25395.2)
  EXPECT_EQ(q.bias, static_cast<std::int64_t>(std::llround(-0.17 * std::ldexp(1.0, q.accumulator.frac_bits))));
  EXPECT_EQ(q.metrics.at("weight_saturations"), 0);
  EXPECT_EQ(q.metrics.at("feature_frac_bits"), q.feature.frac_bits);
}

TEST(Quantizer, SixteenBitsMeetTheAccuracyTargets) {
  const auto data = test::make_dataset(6, 21, 6, 8, 60);
  const auto model = test::make_model(6, 4, 9);
  const QModel q = quantize_model(model, data, QuantizeOptions{}, "m");
  const auto& m = q.metrics;
  EXPECT_EQ(m.at("eval_frames"), 8 * 60);
  EXPECT_LE(m.at("accuracy_loss").get<double>(), 0.005);
  EXPECT_GE(m.at("agreement").get<double>(), 0.995);
  EXPECT_GT(m.at("eval_accuracy").get<double>(), 0.7);  // the model is near the label rule
  EXPECT_TRUE(m.contains("eval_auroc"));
  EXPECT_EQ(m.at("saturations").get<long>(),
            m.at("feature_saturations").get<long>() + m.at("weight_saturations").get<long>());
}

TEST(Quantizer, FewBitsLoseAgreementAndCountSaturations) {
  const auto data = test::make_dataset(6, 21, 6, 8, 60);
  const auto model = test::make_model(6, 4, 9);
  QuantizeOptions coarse;
  coarse.feature_bits = 3;
  coarse.weight_bits = 3;
  coarse.acc_bits = 16;
  coarse.rounding = Rounding::Truncate;
  const QModel q = quantize_model(model, data, coarse, "m");
  EXPECT_LT(q.metrics.at("agreement").get<double>(), 0.995);
  // Eval sequences use another seed, so some exceed the train range.
  QuantizeOptions opt;
  const QModel fine = quantize_model(model, data, opt, "m");
  opt.feature_headroom_bits = 3;
  const QModel roomy = quantize_model(model, data, opt, "m");
  EXPECT_EQ(roomy.feature.frac_bits, fine.feature.frac_bits - 3);
  EXPECT_LE(roomy.metrics.at("feature_saturations").get<long>(),
            fine.metrics.at("feature_saturations").get<long>());
}

TEST(Quantizer, ThresholdIsFoldedIntoTheBias) {
  const auto data = test::make_dataset(3, 4);
  auto model = test::make_model(3, 2, 8);
  model.decision_threshold_logit = 0.25;
  const QModel q = quantize_model(model, data, QuantizeOptions{}, "m");
  EXPECT_NEAR(q.accumulator.to_real(q.bias), -0.17 - 0.25, 1e-6);
  EXPECT_GE(q.metrics.at("agreement").get<double>(), 0.99);
}

TEST(Quantizer, RejectsRoiCountMismatch) {
  const auto data = test::make_dataset(3, 4);
  const auto model = test::make_model(4, 2, 8);
  EXPECT_THROW(quantize_model(model, data, QuantizeOptions{}, "m"), StageError);
}

TEST(QModelFile, RoundTripsThroughJson) {
  const auto data = test::make_dataset(3, 4);
  const QModel q = quantize_model(test::make_model(3, 2, 8), data, QuantizeOptions{}, "m");
  const auto dir = test::scratch("qmodel_roundtrip");
  write_qmodel(q, dir / "qmodel.json");
  const QModel back = read_qmodel(dir / "qmodel.json");
  EXPECT_EQ(back.weights, q.weights);
  EXPECT_EQ(back.bias, q.bias);
  EXPECT_EQ(back.feature.frac_bits, q.feature.frac_bits);
  EXPECT_EQ(back.accumulator.bits, q.accumulator.bits);
  EXPECT_EQ(back.acc_bound, q.acc_bound);
  EXPECT_EQ(back.float_model.weights, q.float_model.weights);
  EXPECT_EQ(back.rounding, q.rounding);
}

void expect_bad(nlohmann::json j, const std::string& fragment) {
  try {
    qmodel_from_json(j, "q.json");
    ADD_FAILURE() << "accepted a bad qmodel; expected '" << fragment << "'";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("q.json", 0), 0u) << e.what();
  }
}

TEST(QModelFile, BadFieldsGetClearMessages) {
  const auto data = test::make_dataset(3, 4);
  const QModel q = quantize_model(test::make_model(3, 2, 8), data, QuantizeOptions{}, "m");
  const nlohmann::json good = qmodel_to_json(q);
  EXPECT_NO_THROW(qmodel_from_json(good, "q.json"));

  auto j = good; j["format"] = "other/1";
  expect_bad(j, "format: expected \"flowrun.qmodel/1\"");
  j = good; j["weights"].erase(0);
  expect_bad(j, "weights: expected an array of rois*history = 6 integers");
  j = good; j["weights"][2] = 40000;
  expect_bad(j, "weights[2]: expected an integer in [-32768, 32767], got 40000");
  j = good; j["weights"][1] = "x";
  expect_bad(j, "weights[1]: expected an integer");
  j = good; j["accumulator"]["frac_bits"] = 3;
  expect_bad(j, "accumulator.frac_bits: expected feature.frac_bits + weight.frac_bits");
  j = good; j["accumulator"]["bits"] = 24;
  expect_bad(j, "acc_bits=24 is too narrow");
  j = good; j.erase("rounding");
  expect_bad(j, "rounding: expected a field (missing)");
  j = good; j["feature"]["bits"] = 1;
  expect_bad(j, "feature.bits: expected an integer in [2, 32]");
}

TEST(QModelFile, UnreadableFilesNameTheFile) {
  const auto dir = test::scratch("qmodel_bad_file");
  test::write_text(dir / "broken.json", "{\"format\": ");
  try {
    read_qmodel(dir / "broken.json");
    FAIL();
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json: not valid JSON"), std::string::npos);
  }
  EXPECT_THROW(read_qmodel(dir / "missing.json"), StageError);
}

}  // namespace
}  // namespace flowrun::decoder
