// The fine-tuning loop through the LUT network (lut_finetune.hpp).
#include "lut_finetune/lut_finetune.hpp"

#include "quant/integer_kernels.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>

namespace flowrun::cnn::lutft {

quant::QuantizeOptions quantize_options_of(const QModel& q, const std::string& what, long& calibration_images) {
  const nlohmann::json& s = q.source;
  for (const char* key : {"granularity", "method", "percentile", "calibration_images", "multiplier_bits", "rounding",
                          "saturation", "floor_bias_correction"})
    if (!s.is_object() || !s.contains(key))
      throw StageError(what + ": source." + key +
                       " is missing (the qmodel must come from quantizer.int8, which records its settings)");
  quant::QuantizeOptions o;
  try {
    o.granularity = s.at("granularity").get<std::string>();
    o.method = s.at("method").get<std::string>();
    o.percentile = s.at("percentile").get<double>();
    o.multiplier_bits = s.at("multiplier_bits").get<int>();
    o.rounding = s.at("rounding").get<std::string>() == "floor" ? Rounding::Floor : Rounding::Nearest;
    o.saturation = s.at("saturation").get<std::string>() == "wrap" ? Saturation::Wrap : Saturation::Saturate;
    o.floor_bias_correction = s.at("floor_bias_correction").get<bool>();
    calibration_images = s.at("calibration_images").get<long>();
  } catch (const nlohmann::json::exception& e) {
    throw StageError(what + ": source: a quantizer setting has the wrong type (" + e.what() + ")");
  }
  o.input_shift = q.input_shift;
  return o;
}

double lut_accuracy(const QModel& q, const ProductTable& table, const ImageSplit& split, long limit, int threads) {
  const long count = limit > 0 ? std::min(limit, split.count) : split.count;
  if (count == 0) return 0;
  const auto logits = LutEngine(q, &table).infer_batch(split.pixels.data(), count, threads);
  const int classes = q.net.classes();
  long right = 0;
  for (long i = 0; i < count; ++i) right += quant::argmax(logits.data() + i * classes, classes) == split.labels[i];
  return static_cast<double>(right) / static_cast<double>(count);
}

QModel quantize_like_quantizer(const CnnModel& model, const ImageSet& data, const FinetuneOptions& o) {
  const ImageSplit& split = o.calibration_split ? *o.calibration_split : data.train;
  const auto cal = quant::calibration_pixels(split, data.image_size(), o.calibration_images);
  return quant::quantize(model, cal.data(), static_cast<long>(cal.size()) / data.image_size(), o.quant).qmodel;
}

FinetuneResult finetune(const CnnModel& start, const ImageSet& data, const ProductTable& table,
                        const FinetuneOptions& o, train::TrainHooks hooks) {
  if (data.train.count == 0) throw StageError("lut_finetune: the train split is empty");
  const int threads = std::max(1, o.train.threads);
  quant::QuantizeOptions qo = o.quant;
  qo.threads = threads;
  train::TrainOptions to = o.train;
  to.threads = threads;
  // The engine sees the int8 model's input: (pixel >> shift) * its scale.
  to.input_shift = qo.input_shift;
  to.input_scale = start.input_scale * std::ldexp(1.0, qo.input_shift);

  LutTrainingPass pass(start.net, table, o.gradient, threads);
  const auto cal = quant::calibration_pixels(o.calibration_split ? *o.calibration_split : data.train,
                                             data.image_size(), o.calibration_images);
  const long ncal = static_cast<long>(cal.size()) / data.image_size();
  const train::ParamLayout layout(start.net);
  std::vector<quant::RangeStats> ranges;
  // Activation ranges follow the weights: recalibrated at the start of
  // every epoch (as quantizer.int8 would calibrate the model of that
  // moment), fixed within it.
  hooks.batch_params = [&](int, long batch, const float* params) {
    if (batch == 1 || ranges.empty())
      ranges = quant::calibrate(train::to_model(start.net, layout, params, start.input_scale), cal.data(), ncal, qo);
    return pass.prepare(params, ranges, qo, start.input_scale);
  };
  hooks.engine_hooks = [&](int worker) { return pass.hooks(worker); };
  FinetuneOptions eo = o;
  eo.quant = qo;
  hooks.evaluate = [&](const float* params, train::EpochStats& st) {
    const QModel q = quantize_like_quantizer(train::to_model(start.net, layout, params, start.input_scale), data, eo);
    if (data.val.count > 0) st.val_accuracy = lut_accuracy(q, table, data.val, o.eval_images, threads);
    if (data.test.count > 0) st.test_accuracy = lut_accuracy(q, table, data.test, o.eval_images, threads);
  };
  train::TrainResult r = train::train_cnn(start.net, data, to, hooks, &start);
  FinetuneResult res;
  res.model = std::move(r.model);
  res.curve = std::move(r.curve);
  res.qmodel = quantize_like_quantizer(res.model, data, eo);
  return res;
}

}  // namespace flowrun::cnn::lutft
