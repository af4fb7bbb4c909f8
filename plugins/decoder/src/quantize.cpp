#include "quantize.hpp"

#include "accumulator_bound.hpp"
#include "classification_metrics.hpp"
#include "integer_model.hpp"

#include <flowrun/stage.hpp>

#include <cmath>

namespace flowrun::decoder {

namespace {

double max_abs_train_value(const neuro::Dataset& data) {
  double m = 0;
  for (const auto& seq : data.train) {
    if (seq.frames.size() > 0) m = std::max(m, seq.frames.cwiseAbs().maxCoeff());
  }
  return m;
}

}  // namespace

QModel quantize_model(const neuro::LogisticModel& model, const neuro::Dataset& data,
                      const QuantizeOptions& opt, const std::string& what) {
  if (model.rois != data.rois) {
    throw StageError(what + ": the model expects " + std::to_string(model.rois) +
                     " ROIs but the dataset has " + std::to_string(data.rois));
  }
  if (opt.feature_headroom_bits > opt.feature_bits - 2) {
    throw StageError(what + ": feature_headroom_bits=" + std::to_string(opt.feature_headroom_bits) +
                     " leaves no magnitude bits in feature_bits=" +
                     std::to_string(opt.feature_bits) + " (at most feature_bits-2)");
  }
  QModel q;
  q.rois = model.rois;
  q.history = model.history;
  q.rounding = opt.rounding;
  q.saturate = opt.saturate;
  q.float_model.weights.assign(model.weights.data(), model.weights.data() + model.weights.size());
  q.float_model.bias = model.bias;
  q.float_model.threshold = model.decision_threshold_logit;

  // Feature format from the train range only: eval data must not leak
  // into design decisions; eval values beyond it saturate and are counted.
  q.feature.bits = opt.feature_bits;
  q.feature.frac_bits =
      choose_frac_bits(max_abs_train_value(data), opt.feature_bits, opt.feature_headroom_bits);

  q.weight.bits = opt.weight_bits;
  q.weight.frac_bits =
      choose_frac_bits(model.weights.size() ? model.weights.cwiseAbs().maxCoeff() : 0.0,
                       opt.weight_bits);
  long weight_saturations = 0;
  for (double w : q.float_model.weights) {
    const Quantized v = quantize(w, q.weight, opt.rounding, opt.saturate);
    weight_saturations += v.out_of_range;
    q.weights.push_back(v.value);
  }

  q.accumulator.bits = opt.acc_bits;
  q.accumulator.frac_bits = q.feature.frac_bits + q.weight.frac_bits;
  // The bias is rounded exactly (64-bit range); whether it fits acc_bits is
  // part of the accumulator bound checked next, so a too-narrow
  // accumulator always fails with the same message.
  const double bias_margin = model.bias - model.decision_threshold_logit;
  const Quantized b = quantize(bias_margin, QFormat{64, q.accumulator.frac_bits}, opt.rounding,
                               /*saturate=*/true);
  if (b.out_of_range || std::fabs(bias_margin) * q.accumulator.scale() >= 0x1p62) {
    throw StageError(what + ": the bias " + std::to_string(bias_margin) +
                     " is too large for any accumulator in the format with " +
                     std::to_string(q.accumulator.frac_bits) + " fractional bits");
  }
  q.bias = b.value;

  const AccumulatorBound bound =
      accumulator_bound(q.weights, q.bias, q.feature.bits, q.weight.bits);
  check_accumulator(bound, opt.acc_bits, opt.feature_bits, opt.weight_bits, q.weights.size(),
                    what);
  q.acc_bound = static_cast<std::int64_t>(bound.bound);
  q.acc_required_bits = bound.required_bits;
  q.acc_worst_case_bits = bound.worst_case_bits;

  // Compare float and fixed decoders frame by frame on the eval split.
  const IntegerModel im(q);
  std::vector<int> labels, fixed_pred, float_pred;
  std::vector<double> fixed_scores, float_scores;
  long feature_saturations = 0;
  for (const auto& seq : data.eval) {
    const SequenceOutputs out = im.run(seq.frames);
    const std::vector<double> margins =
        float_margins(q.float_model, q.rois, q.history, seq.frames);
    feature_saturations += out.out_of_range;
    for (std::size_t t = 0; t < out.acc.size(); ++t) {
      labels.push_back(seq.labels[t]);
      fixed_pred.push_back(IntegerModel::decision(out.acc[t]) ? 1 : 0);
      float_pred.push_back(margins[t] >= 0 ? 1 : 0);
      fixed_scores.push_back(static_cast<double>(out.acc[t]));
      float_scores.push_back(margins[t]);
    }
  }
  std::size_t agree = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) agree += fixed_pred[i] == float_pred[i];

  const double fixed_acc = accuracy(fixed_pred, labels);
  const double float_acc = accuracy(float_pred, labels);
  nlohmann::json& m = q.metrics;
  m["eval_frames"] = labels.size();
  m["eval_accuracy"] = fixed_acc;
  m["float_eval_accuracy"] = float_acc;
  m["accuracy_loss"] = std::fabs(float_acc - fixed_acc);
  m["agreement"] = labels.empty() ? 0.0 : static_cast<double>(agree) / labels.size();
  const double fixed_auc = auroc(fixed_scores, labels);
  const double float_auc = auroc(float_scores, labels);
  if (std::isfinite(fixed_auc)) m["eval_auroc"] = fixed_auc;
  if (std::isfinite(float_auc)) m["float_eval_auroc"] = float_auc;
  m["feature_saturations"] = feature_saturations;
  m["weight_saturations"] = weight_saturations;
  m["saturations"] = feature_saturations + weight_saturations;
  m["feature_frac_bits"] = q.feature.frac_bits;
  m["weight_frac_bits"] = q.weight.frac_bits;
  m["acc_frac_bits"] = q.accumulator.frac_bits;
  m["acc_bits_required"] = q.acc_required_bits;
  m["acc_bits_worst_case"] = q.acc_worst_case_bits;
  return q;
}

}  // namespace flowrun::decoder
