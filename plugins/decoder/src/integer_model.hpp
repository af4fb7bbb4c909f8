// The one bit-exact integer model of the generated decoder hardware.
// quantizer.fixed_point uses it for the fixed-point metrics and
// testbench.decoder for the expected outputs, so what the quantizer
// reports is exactly what the RTL is checked against.
//
// Semantics (equal to the RTL, see docs/decoder-rtl.md):
//  * each raw ROI value is converted to the feature format with the
//    qmodel's rounding and saturation (quantize() in fixed_point.hpp);
//  * the history buffer holds the last `history` frames of the current
//    sequence, cleared to zero at the sequence start (hardware reset);
//  * acc(t) = bias + sum_{h,r} w[h*R + r] * x[t-h][r], exact integers
//    (accumulator_bound.hpp proves the acc_bits datapath never wraps);
//  * logit output = acc, decision = (acc >= 0).
#pragma once

#include "qmodel.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace flowrun::decoder {

using IntFrame = std::vector<std::int64_t>;  // one integer per ROI

struct SequenceOutputs {
  std::vector<IntFrame> features;   // quantized input frames, in order
  std::vector<std::int64_t> acc;    // accumulator (logit) per frame
  long out_of_range = 0;            // feature values that saturated/wrapped
};

class IntegerModel {
 public:
  explicit IntegerModel(QModel model);

  const QModel& qmodel() const { return m_; }

  // Converts one raw frame (rois values) to integers; adds the number of
  // out-of-range values to *out_of_range when given.
  IntFrame quantize_frame(const Eigen::Ref<const Eigen::RowVectorXd>& raw,
                          long* out_of_range = nullptr) const;

  // Accumulators for a sequence of already-quantized frames, starting from
  // a cleared history. Every feature must be inside the feature format.
  std::vector<std::int64_t> accumulate(const std::vector<IntFrame>& frames) const;

  // quantize_frame + accumulate for one sequence of raw frames
  // (frames x rois).
  SequenceOutputs run(const Eigen::MatrixXd& raw_frames) const;

  static bool decision(std::int64_t acc) { return acc >= 0; }
  // The accumulator as a real logit (relative to the float threshold).
  double logit(std::int64_t acc) const { return m_.accumulator.to_real(acc); }

 private:
  QModel m_;
};

// The float decoder on raw frames with the same history semantics; returns
// logit - threshold per frame (class 1 when >= 0).
std::vector<double> float_margins(const FloatDecoder& f, int rois, int history,
                                  const Eigen::MatrixXd& raw_frames);

}  // namespace flowrun::decoder
