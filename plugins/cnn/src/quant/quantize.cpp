// Post-training quantization: symmetric int8 weights, int8 activations
// with ranges calibrated on float activations, int32 biases and
// fixed-point requantization multipliers (docs/cnn-quantization.md).
#include "quant/quantize.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace flowrun::cnn::quant {

FixedMultiplier fixed_multiplier(double m, int bits) {
  if (!(m > 0) || !std::isfinite(m) || bits < 2 || bits > 32)
    throw StageError("fixed_multiplier: expected a positive finite multiplier and 2..32 bits, got " +
                     std::to_string(m) + " and " + std::to_string(bits));
  const std::int64_t top = std::int64_t{1} << (bits - 1);  // M < top
  int e = 0;
  const double f = std::frexp(m, &e);  // m = f * 2^e, f in [0.5, 1)
  FixedMultiplier r;
  // M = f * 2^(bits-1) in [2^(bits-2), 2^(bits-1)): all bits used.
  r.multiplier = std::llround(std::ldexp(f, bits - 1));
  r.shift = (bits - 1) - e;
  if (r.multiplier == top) {  // f rounded up to 1.0
    r.multiplier /= 2;
    r.shift -= 1;
  }
  if (r.shift > 62) {
    // Too small for full precision: the largest shift, fewer significant bits.
    r.shift = 62;
    r.multiplier = std::max<std::int64_t>(1, std::llround(std::ldexp(m, 62)));
    r.clamped = true;
  } else if (r.shift < 0) {
    // m >= 2^(bits-1): no shift, the largest multiplier that fits.
    r.shift = 0;
    r.multiplier = std::min<std::int64_t>(top - 1, std::llround(m));
    r.clamped = true;
  }
  return r;
}

std::int8_t quantize_weight(float w, double scale) {
  const long q = std::lround(static_cast<double>(w) / scale);
  return static_cast<std::int8_t>(std::clamp<long>(q, -127, 127));
}

void RangeStats::add(const float* v, long n) {
  for (long i = 0; i < n; ++i) {
    const double a = std::fabs(static_cast<double>(v[i]));
    ++count_;
    if (a == 0) {
      ++zeros_;
      continue;
    }
    max_ = std::max(max_, a);
    const long b = static_cast<long>(std::floor((std::log2(a) - kMinExp) * kBinsPerOctave));
    ++bins_[static_cast<std::size_t>(std::clamp<long>(b, 0, kBins - 1))];
  }
}

double RangeStats::percentile(double p) const {
  if (count_ == 0 || max_ == 0) return 0;
  const double want = p / 100.0 * static_cast<double>(count_);
  double seen = static_cast<double>(zeros_);
  if (seen >= want) return 0;
  for (int b = 0; b < kBins; ++b) {
    seen += static_cast<double>(bins_[b]);
    if (seen >= want) return std::min(max_, std::exp2(static_cast<double>(b + 1) / kBinsPerOctave + kMinExp));
  }
  return max_;
}

namespace {

// Index of the layer whose float output becomes layer i's int8 output: the
// fused relu when one follows.
std::size_t output_layer(const Network& net, std::size_t i) {
  return i + 1 < net.layers.size() && net.layers[i + 1].type == LayerType::Relu ? i + 1 : i;
}

}  // namespace

namespace {

void check_options(const CnnModel& model, const QuantizeOptions& opt) {
  if (model.params.size() != model.net.layers.size())
    throw StageError("quantizer: the float model has " + std::to_string(model.params.size()) +
                     " parameter entries for " + std::to_string(model.net.layers.size()) + " layers");
  if (opt.granularity != "per_tensor" && opt.granularity != "per_channel")
    throw StageError("quantizer: granularity must be per_tensor or per_channel, got '" + opt.granularity + "'");
  if (opt.method != "max" && opt.method != "percentile")
    throw StageError("quantizer: method must be max or percentile, got '" + opt.method + "'");
}

}  // namespace

ImageSplit evenly_spaced(const ImageSplit& split, long image_size, long count) {
  if (count <= 0 || count >= split.count) return split;
  ImageSplit r;
  r.count = count;
  r.pixels.resize(static_cast<std::size_t>(count * image_size));
  for (long j = 0; j < count; ++j) {
    const long i = j * split.count / count;
    const std::uint8_t* src = split.image(i, image_size);
    std::copy(src, src + image_size, r.pixels.begin() + j * image_size);
    r.labels.push_back(split.labels[i]);
  }
  return r;
}

std::vector<std::uint8_t> calibration_pixels(const ImageSplit& split, long image_size, long count) {
  if (count <= 0) return {};
  return evenly_spaced(split, image_size, count).pixels;
}

QuantizeResult quantize(const CnnModel& model, const std::uint8_t* pixels, long count, const QuantizeOptions& opt) {
  return quantize_calibrated(model, calibrate(model, pixels, count, opt), opt);
}

std::vector<RangeStats> calibrate(const CnnModel& model, const std::uint8_t* pixels, long count,
                                  const QuantizeOptions& opt) {
  const Network& net = model.net;
  check_options(model, opt);
  if (count <= 0) throw StageError("quantizer: no calibration images");

  // Ranges of every requantized output over the images.
  std::vector<RangeStats> stats(net.layers.size());
  const long image = net.input.size();
  for (long first = 0; first < count; first += opt.chunk) {
    const long n = std::min(opt.chunk, count - first);
    std::vector<std::vector<float>> acts;
    float_forward(model, pixels + first * image, n, opt.threads, &acts);
    if (acts.size() != net.layers.size())
      throw StageError("quantizer: float_forward returned activations of " + std::to_string(acts.size()) +
                       " layers for a network of " + std::to_string(net.layers.size()));
    for (std::size_t i = 0; i + 1 < net.layers.size(); ++i) {
      if (!net.layers[i].has_weights()) continue;
      const auto& a = acts[output_layer(net, i)];
      stats[i].add(a.data(), static_cast<long>(a.size()));
    }
  }

  return stats;
}

QuantizeResult quantize_calibrated(const CnnModel& model, const std::vector<RangeStats>& stats,
                                   const QuantizeOptions& opt) {
  const Network& net = model.net;
  check_options(model, opt);
  if (stats.size() != net.layers.size())
    throw StageError("quantizer: activation statistics of " + std::to_string(stats.size()) + " layers for " +
                     std::to_string(net.layers.size()));
  // Layer by layer, carrying the scale of the current int8 activation.
  QuantizeResult res;
  QModel& q = res.qmodel;
  q.net = net;
  q.layers.resize(net.layers.size());
  q.input_shift = opt.input_shift;
  q.input_scale = model.input_scale * std::ldexp(1.0, opt.input_shift);
  q.rounding = opt.rounding;
  q.saturation = opt.saturation;
  q.granularity = opt.granularity;
  q.multiplier_bits = opt.multiplier_bits;
  double s_act = q.input_scale;
  constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;  // relu, maxpool, flatten keep the scale
    const bool last = i + 1 == net.layers.size();
    const LayerParams& fp = model.params[i];
    QLayer& ql = q.layers[i];
    LayerReport rep;
    rep.layer = l.name;
    const int outs = l.out_channels;
    const long R = l.reduction();
    if (fp.weight.size() != static_cast<std::size_t>(l.weight_count()) || fp.bias.size() != static_cast<std::size_t>(outs))
      throw StageError("quantizer: layer " + l.name + ": the float model's weight or bias count does not match '" +
                       l.text + "'");

    // Weight scales. The last layer is always per-tensor: its int32
    // accumulators are the logits the hardware compares, which must share
    // one scale for the argmax to match the float model's.
    const bool per_channel = opt.granularity == "per_channel" && !last;
    std::vector<double> max_w(static_cast<std::size_t>(outs), 0.0);
    for (int o = 0; o < outs; ++o)
      for (long k = 0; k < R; ++k) max_w[o] = std::max(max_w[o], std::fabs(static_cast<double>(fp.weight[o * R + k])));
    if (!per_channel) {
      const double m = *std::max_element(max_w.begin(), max_w.end());
      std::fill(max_w.begin(), max_w.end(), m);
    }
    for (int o = 0; o < outs; ++o) ql.weight_scale.push_back(max_w[o] > 0 ? max_w[o] / 127.0 : 1.0);
    ql.weight.resize(fp.weight.size());
    for (int o = 0; o < outs; ++o)
      for (long k = 0; k < R; ++k) {
        const float w = fp.weight[o * R + k];
        ql.weight[o * R + k] = quantize_weight(w, ql.weight_scale[o]);
        if (std::fabs(w / ql.weight_scale[o]) > 127.5) ++rep.weights_clipped;
      }
    ql.input_scale = s_act;

    // Output scale and requantization multipliers.
    if (!last) {
      const RangeStats& st = stats[i];
      rep.calibrated_on = net.layers[output_layer(net, i)].name;
      rep.max_abs = st.max_abs();
      rep.range = opt.method == "max" ? st.max_abs() : st.percentile(opt.percentile);
      if (!(rep.range > 0)) rep.range = 1.0;  // a dead output in calibration: any scale will do
      ql.output_scale = rep.range / 127.0;
      rep.output_scale = ql.output_scale;
      for (int o = 0; o < outs; ++o) {
        const double m = ql.weight_scale[o] * s_act / ql.output_scale;
        const FixedMultiplier fm = fixed_multiplier(m, opt.multiplier_bits);
        ql.multiplier.push_back(fm.multiplier);
        ql.shift.push_back(fm.shift);
        rep.multipliers_clamped += fm.clamped;
        rep.max_multiplier_error = std::max(
            rep.max_multiplier_error, std::fabs(std::ldexp(static_cast<double>(fm.multiplier), -fm.shift) - m) / m);
      }
    }

    // Biases in accumulator units, limited so that no accumulator can
    // overflow int32 (accumulator_bound).
    for (int o = 0; o < outs; ++o) {
      double b = std::round(static_cast<double>(fp.bias[o]) / (ql.weight_scale[o] * s_act));
      if (!last && opt.rounding == Rounding::Floor && opt.floor_bias_correction && ql.shift[o] > 0)
        b += std::round(std::ldexp(1.0, ql.shift[o] - 1) / static_cast<double>(ql.multiplier[o]));
      long sum_w = 0;
      for (long k = 0; k < R; ++k) sum_w += std::abs(static_cast<int>(ql.weight[o * R + k]));
      const double lim = static_cast<double>(kInt32Max - 128 * sum_w);
      if (b > lim || b < -lim) {
        b = std::clamp(b, -lim, lim);
        ++rep.biases_clamped;
      }
      ql.bias.push_back(static_cast<std::int32_t>(b));
    }
    if (!last) s_act = ql.output_scale;
    res.layers.push_back(rep);
  }
  check_qmodel(q, "quantizer");
  return res;
}

}  // namespace flowrun::cnn::quant
