#include "integer_model.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace flowrun::decoder {

IntegerModel::IntegerModel(QModel model) : m_(std::move(model)) {
  if (m_.weights.size() != static_cast<std::size_t>(m_.terms())) {
    throw std::invalid_argument("integer model: weight count does not match rois*history");
  }
}

IntFrame IntegerModel::quantize_frame(const Eigen::Ref<const Eigen::RowVectorXd>& raw,
                                      long* out_of_range) const {
  if (raw.size() != m_.rois) {
    throw std::invalid_argument("integer model: frame has " + std::to_string(raw.size()) +
                                " values, expected " + std::to_string(m_.rois));
  }
  IntFrame q(m_.rois);
  for (int r = 0; r < m_.rois; ++r) {
    const Quantized v = quantize(raw[r], m_.feature, m_.rounding, m_.saturate);
    q[r] = v.value;
    if (v.out_of_range && out_of_range) ++*out_of_range;
  }
  return q;
}

std::vector<std::int64_t> IntegerModel::accumulate(const std::vector<IntFrame>& frames) const {
  const int R = m_.rois, H = m_.history;
  std::vector<std::int64_t> out;
  out.reserve(frames.size());
  for (std::size_t t = 0; t < frames.size(); ++t) {
    // The bound proof (accumulator_bound.hpp) guarantees every partial sum
    // fits acc_bits <= 64, so int64 arithmetic is exact here.
    std::int64_t acc = m_.bias;
    for (int h = 0; h < H && static_cast<std::size_t>(h) <= t; ++h) {
      const IntFrame& x = frames[t - h];
      if (x.size() != static_cast<std::size_t>(R)) {
        throw std::invalid_argument("integer model: frame " + std::to_string(t - h) +
                                    " has the wrong number of ROIs");
      }
      for (int r = 0; r < R; ++r) {
        if (x[r] < m_.feature.min_int() || x[r] > m_.feature.max_int()) {
          throw std::invalid_argument("integer model: feature outside the " +
                                      m_.feature.name() + " range");
        }
        acc += m_.weight_at(h, r) * x[r];
      }
    }
    if (acc < m_.accumulator.min_int() || acc > m_.accumulator.max_int()) {
      // Unreachable when the qmodel passed validation; kept as a tripwire.
      throw std::logic_error("integer model: accumulator left its proven range");
    }
    out.push_back(acc);
  }
  return out;
}

SequenceOutputs IntegerModel::run(const Eigen::MatrixXd& raw_frames) const {
  SequenceOutputs s;
  s.features.reserve(raw_frames.rows());
  for (Eigen::Index t = 0; t < raw_frames.rows(); ++t) {
    s.features.push_back(quantize_frame(raw_frames.row(t), &s.out_of_range));
  }
  s.acc = accumulate(s.features);
  return s;
}

std::vector<double> float_margins(const FloatDecoder& f, int rois, int history,
                                  const Eigen::MatrixXd& raw_frames) {
  if (raw_frames.cols() != rois) {
    throw std::invalid_argument("float model: frames have " +
                                std::to_string(raw_frames.cols()) + " ROIs, expected " +
                                std::to_string(rois));
  }
  std::vector<double> out(raw_frames.rows());
  for (Eigen::Index t = 0; t < raw_frames.rows(); ++t) {
    double logit = f.bias;
    for (int h = 0; h < history && h <= t; ++h) {
      for (int r = 0; r < rois; ++r) logit += f.weights[h * rois + r] * raw_frames(t - h, r);
    }
    out[t] = logit - f.threshold;
  }
  return out;
}

}  // namespace flowrun::decoder
