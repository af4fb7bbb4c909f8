// Random int8 networks and images for tests that compare implementations,
// and a deliberately plain second implementation of the documented
// arithmetic to compare the fast integer model against.
#pragma once

#include <flowrun_cnn/qmodel.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace flowrun::cnn::test {

// Cx9x9 input; stride, padding, overlapping pools, a conv without relu
// before a pool, relu after dense. The reductions (conv1 9*C, conv2 16,
// dense1 64, dense2 12) cover both inner loops of the integer model (one
// dot product per output from 48 terms, all outputs at once below).
inline QModel random_qmodel(unsigned seed, int channels = 2) {
  QModel q;
  q.net = parse_network({"conv2d 4 kernel=3 stride=1 padding=1", "relu", "maxpool 3 stride=2",
                         "conv2d 16 kernel=2 stride=2 padding=1", "maxpool 2 stride=1", "flatten", "dense 12", "relu",
                         "dense 5"},
                        {channels, 9, 9}, "random");
  q.granularity = "per_channel";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> w8(-127, 127), bias(-3000, 3000), mult(1 << 14, (1 << 15) - 1);
  q.layers.resize(q.net.layers.size());
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    if (!l.has_weights()) continue;
    QLayer& ql = q.layers[i];
    for (long k = 0; k < l.weight_count(); ++k) ql.weight.push_back(static_cast<std::int8_t>(w8(rng)));
    const double target = 60.0 / (std::sqrt(static_cast<double>(l.reduction())) * 73.0 * 50.0);
    for (int o = 0; o < l.out_channels; ++o) {
      ql.bias.push_back(bias(rng));
      ql.weight_scale.push_back(0.01);
      if (i + 1 == q.net.layers.size()) continue;
      const std::int64_t m = mult(rng);
      ql.multiplier.push_back(m);
      ql.shift.push_back(static_cast<int>(std::lround(std::log2(static_cast<double>(m) / target))));
    }
    ql.input_scale = 0.01;
    ql.output_scale = i + 1 == q.net.layers.size() ? 0 : 0.01;
  }
  return q;
}

// Noise of a random amplitude per image, and a random share of dark pixels
// (zeros, like image backgrounds), so that images differ in more than
// their noise.
inline std::vector<std::uint8_t> random_images(const QModel& q, long count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> amp(16, 255), px(0, 255), dark(0, 90), percent(0, 99);
  const long size = q.net.input.size();
  std::vector<std::uint8_t> v(static_cast<std::size_t>(count * size));
  for (long i = 0; i < count; ++i) {
    const int a = amp(rng), d = dark(rng);
    for (long k = 0; k < size; ++k)
      v[i * size + k] = percent(rng) < d ? 0 : static_cast<std::uint8_t>(px(rng) * a / 255);
  }
  return v;
}

// qmodel.hpp's arithmetic written as plainly as possible: int64
// accumulators, explicit (y, x, c) indexing, no patches.
inline std::vector<std::int32_t> naive_infer(const QModel& q, const std::uint8_t* pixels) {
  std::vector<std::int64_t> cur(pixels, pixels + q.net.input.size());
  for (auto& v : cur) v >>= q.input_shift;
  for (std::size_t li = 0; li < q.net.layers.size(); ++li) {
    const Layer& l = q.net.layers[li];
    const QLayer& ql = q.layers[li];
    const bool last = li + 1 == q.net.layers.size();
    std::vector<std::int64_t> out(static_cast<std::size_t>(l.out.size()));
    const auto at = [&](int y, int x, int c) { return cur[(static_cast<long>(y) * l.in.width + x) * l.in.channels + c]; };
    const auto requant = [&](std::int64_t acc, int o) -> std::int64_t {
      return last ? acc : requantize(acc, ql.multiplier[o], ql.shift[o], q.rounding, q.saturation);
    };
    if (l.type == LayerType::Conv2d) {
      for (int oy = 0; oy < l.out.height; ++oy)
        for (int ox = 0; ox < l.out.width; ++ox)
          for (int o = 0; o < l.out_channels; ++o) {
            std::int64_t acc = ql.bias[o];
            for (int ky = 0; ky < l.kernel; ++ky)
              for (int kx = 0; kx < l.kernel; ++kx)
                for (int c = 0; c < l.in.channels; ++c) {
                  const int y = oy * l.stride - l.padding + ky, x = ox * l.stride - l.padding + kx;
                  if (y < 0 || x < 0 || y >= l.in.height || x >= l.in.width) continue;
                  acc += ql.weight[((static_cast<long>(o) * l.kernel + ky) * l.kernel + kx) * l.in.channels + c] *
                         at(y, x, c);
                }
            out[(static_cast<long>(oy) * l.out.width + ox) * l.out_channels + o] = requant(acc, o);
          }
    } else if (l.type == LayerType::Dense) {
      for (int o = 0; o < l.out_channels; ++o) {
        std::int64_t acc = ql.bias[o];
        for (long k = 0; k < l.reduction(); ++k) acc += ql.weight[o * l.reduction() + k] * cur[k];
        out[o] = requant(acc, o);
      }
    } else if (l.type == LayerType::Relu) {
      for (std::size_t k = 0; k < out.size(); ++k) out[k] = cur[k] > 0 ? cur[k] : 0;
    } else if (l.type == LayerType::MaxPool) {
      for (int oy = 0; oy < l.out.height; ++oy)
        for (int ox = 0; ox < l.out.width; ++ox)
          for (int c = 0; c < l.out.channels; ++c) {
            std::int64_t m = at(oy * l.stride, ox * l.stride, c);
            for (int ky = 0; ky < l.kernel; ++ky)
              for (int kx = 0; kx < l.kernel; ++kx) m = std::max(m, at(oy * l.stride + ky, ox * l.stride + kx, c));
            out[(static_cast<long>(oy) * l.out.width + ox) * l.out.channels + c] = m;
          }
    } else {
      out = cur;
    }
    cur = std::move(out);
  }
  return {cur.begin(), cur.end()};
}

}  // namespace flowrun::cnn::test
