// Post-training int8 quantization of a float CNN (model.hpp) into the
// integer model of qmodel.hpp. The arithmetic is spelled out in
// docs/cnn-quantization.md; the quantizer.int8 stage is a thin wrapper.
#pragma once

#include <flowrun_cnn/model.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrun::cnn::quant {

struct QuantizeOptions {
  std::string granularity = "per_channel"; // weight scales: per_tensor | per_channel
  std::string method = "max";              // activation ranges: max | percentile
  double percentile = 99.99;               // of |activation| over all calibration values
  int multiplier_bits = 32;                // M < 2^(multiplier_bits-1)
  int input_shift = 1;                     // x0 = pixel >> input_shift
  Rounding rounding = Rounding::Nearest;
  Saturation saturation = Saturation::Saturate;
  // With floor rounding, add round(2^(s-1) / M) to each bias so the
  // requantization rounds to nearest on average anyway (the hardware still
  // floors; only the bias values change).
  bool floor_bias_correction = true;
  int threads = 1;
  long chunk = 256;  // calibration images per float_forward call (memory)
};

// m = M * 2^-s with M an integer in [1, 2^(bits-1)) as large as possible
// (the most precise choice), s in [0, 62]. Requires m > 0 and finite.
struct FixedMultiplier {
  std::int64_t multiplier = 1;
  int shift = 0;
  bool clamped = false;  // m could not be represented to full precision (s out of [0, 62])
};
FixedMultiplier fixed_multiplier(double m, int bits);

// Symmetric int8 of a weight: round(w / scale) clamped to [-127, 127]
// (round half away from zero, std::lround).
std::int8_t quantize_weight(float w, double scale);

// Activation statistics of one layer output over the calibration images:
// the largest |a| and a log-spaced histogram of |a| (32 bins per octave,
// so percentiles are within 2.2 %), zeros counted apart.
class RangeStats {
 public:
  void add(const float* v, long n);
  double max_abs() const { return max_; }
  // The smallest histogram bin edge with at least p % of all values
  // (zeros included) at or below it, capped at max_abs().
  double percentile(double p) const;
  long count() const { return count_; }

 private:
  static constexpr int kBinsPerOctave = 32;
  static constexpr int kMinExp = -40;  // 2^-40 .. 2^40
  static constexpr int kBins = 80 * kBinsPerOctave;
  std::vector<long> bins_ = std::vector<long>(kBins, 0);
  long zeros_ = 0, count_ = 0;
  double max_ = 0;
};

struct LayerReport {
  std::string layer;            // conv/dense layer name
  std::string calibrated_on;    // the layer whose float output set the range (relu if fused)
  double max_abs = 0;           // largest |a| seen in calibration
  double range = 0;             // the range mapped to 127 (max or percentile)
  double output_scale = 0;
  long weights_clipped = 0;     // weights beyond 127 * scale (0 with max scales)
  long biases_clamped = 0;      // biases limited to keep the accumulator in int32
  long multipliers_clamped = 0; // multipliers not representable to full precision
  double max_multiplier_error = 0;  // max |M*2^-s - m| / m
};

struct QuantizeResult {
  QModel qmodel;
  std::vector<LayerReport> layers;
};

// `count` calibration images evenly spaced through a split (all of it when
// it is smaller), as quantizer.int8 picks them, so every part is seen
// whether the split is shuffled or not.
std::vector<std::uint8_t> calibration_pixels(const ImageSplit& split, long image_size, long count);

// The same selection with labels: `count` images evenly spaced through a
// split (all of it when count is 0 or not smaller).
ImageSplit evenly_spaced(const ImageSplit& split, long image_size, long count);

// The two steps of quantize(), for callers that quantize changing weights
// with fixed activation ranges (trainer.lut_finetune):
// 1. the activation statistics of every conv/dense output (after its fused
//    relu) over the calibration images, indexed by layer;
std::vector<RangeStats> calibrate(const CnnModel& model, const std::uint8_t* pixels, long count,
                                  const QuantizeOptions& opt);
// 2. the int8 model of `model` with those ranges.
QuantizeResult quantize_calibrated(const CnnModel& model, const std::vector<RangeStats>& stats,
                                   const QuantizeOptions& opt);

// Quantizes `model`, calibrating activation ranges on `count` images of
// `pixels` (channel-last bytes of model.net.input). Throws StageError on an
// unusable model (e.g. an all-zero weight tensor is fine, a layer whose
// calibration outputs are all zero gets range 1.0 and a report entry).
QuantizeResult quantize(const CnnModel& model, const std::uint8_t* pixels, long count, const QuantizeOptions& opt);

}  // namespace flowrun::cnn::quant
