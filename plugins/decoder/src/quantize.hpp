// Float logistic decoder -> fixed-point qmodel (the work of
// quantizer.fixed_point, kept out of the stage so tests can call it).
//
// The Q-format rule (docs/decoder-rtl.md):
//  * features: one format for every ROI and history slot (they share the
//    hardware's input port and shift register); frac_bits is the largest
//    value for which the largest |raw value| in the *train* split fits
//    below 2^(feature_bits-1-headroom) - 1 (choose_frac_bits);
//  * weights: one format, frac_bits from max |w| the same way, so the
//    largest weight uses the whole weight_bits range and none saturates;
//  * accumulator: frac_bits = feature frac + weight frac, so products are
//    added at full precision with no shifts; acc_bits from the param;
//  * bias: (bias - decision threshold) rounded into the accumulator format,
//    which makes the decision a sign test of the accumulator.
#pragma once

#include "fixed_point.hpp"
#include "qmodel.hpp"

#include <flowrun_neuro/dataset.hpp>
#include <flowrun_neuro/model.hpp>

#include <string>

namespace flowrun::decoder {

struct QuantizeOptions {
  int feature_bits = 16;
  int weight_bits = 16;
  int acc_bits = 48;
  Rounding rounding = Rounding::NearestEven;
  bool saturate = true;
  int feature_headroom_bits = 0;
};

// Quantizes `model`, checks the accumulator bound (throws StageError naming
// the widths when acc_bits is too small) and fills qmodel.metrics with the
// float-vs-fixed comparison on the eval split:
//   eval_accuracy, eval_auroc (fixed point), float_eval_accuracy,
//   float_eval_auroc, accuracy_loss, agreement, saturations
//   (= feature_saturations on eval data + weight_saturations), formats.
// `what` names the inputs in messages.
QModel quantize_model(const neuro::LogisticModel& model, const neuro::Dataset& data,
                      const QuantizeOptions& options, const std::string& what);

}  // namespace flowrun::decoder
