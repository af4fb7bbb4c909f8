// The float engine: analytic gradients of every layer type against finite
// differences (in double), and inference consistency.
#include "train/engine.hpp"
#include "train/trainer.hpp"

#include "data/rng.hpp"

#include <flowrun_cnn/model.hpp>

#include <gtest/gtest.h>

#include <cmath>

using namespace flowrun::cnn;
using namespace flowrun::cnn::train;

namespace {

// Loss (sum over the images) and its gradient for the given params.
double loss_of(const Engine<double>& e, const Buf<double>& params, Workspace<double>& ws,
               const std::vector<std::uint8_t>& labels, int n) {
  e.forward(params.data(), ws, n);
  double loss = 0;
  long correct = 0;
  e.loss(ws, labels.data(), n, 1.0, loss, correct);
  return loss;
}

void check_gradients(const std::vector<std::string>& layers, const Shape& input, int n) {
  const Network net = parse_network(layers, input, "test");
  const Engine<double> e(net);
  const ParamLayout& lay = e.layout();
  Rng rng(42);
  Buf<double> params(lay.total, 0.0);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    const double bound = std::sqrt(6.0 / l.reduction());
    for (long j = 0; j < l.weight_count(); ++j) params[lay.weight[i] + j] = rng.uniform(-bound, bound);
    for (long j = 0; j < l.out_channels; ++j) params[lay.bias[i] + j] = rng.uniform(-0.1, 0.1);
  }
  std::vector<std::uint8_t> pixels(n * input.size());
  for (auto& p : pixels) p = static_cast<std::uint8_t>(rng.below(256));
  std::vector<std::uint8_t> labels(n);
  for (auto& l : labels) l = static_cast<std::uint8_t>(rng.below(net.classes()));

  Workspace<double> ws;
  e.reserve(ws, n, true);
  e.load(ws, pixels.data(), nullptr, n, 1.0 / 255.0);
  loss_of(e, params, ws, labels, n);
  Buf<double> grads(lay.total, 0.0);
  e.backward(params.data(), ws, n, grads.data());

  int checked = 0;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    for (const bool weight : {true, false}) {
      const long off = weight ? lay.weight[i] : lay.bias[i];
      const long count = weight ? l.weight_count() : l.out_channels;
      double max_abs = 0;
      for (long j = 0; j < count; ++j) {
        const double keep = params[off + j], h = 1e-6;
        params[off + j] = keep + h;
        const double up = loss_of(e, params, ws, labels, n);
        params[off + j] = keep - h;
        const double down = loss_of(e, params, ws, labels, n);
        params[off + j] = keep;
        const double numeric = (up - down) / (2 * h), analytic = grads[off + j];
        max_abs = std::max(max_abs, std::abs(analytic));
        EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-5 * std::abs(numeric))
            << l.name << (weight ? ".weight[" : ".bias[") << j << "] of '" << l.text << "'";
        ++checked;
      }
      // A layer whose gradient is all zero would pass trivially.
      EXPECT_GT(max_abs, 1e-4) << l.name << (weight ? ".weight" : ".bias") << " gradient is zero";
    }
  }
  EXPECT_GT(checked, 50);
}

}  // namespace

// conv stride 1 + padding, conv stride 2 + padding (its input gradient is
// checked through conv1's weights), relu, maxpool 2, flatten, dense, relu.
TEST(Gradients, ConvStridePaddingMaxpoolDense) {
  check_gradients({"conv2d 3 kernel=3 padding=1", "relu", "conv2d 4 kernel=3 stride=2 padding=1", "relu",
                   "maxpool 2", "flatten", "dense 6", "relu", "dense 3"},
                  {2, 9, 9}, 3);
}

// Overlapping maxpool windows, a 1x1 conv (the direct no-im2col path),
// kernel 5 stride 2 padding 2, a dense layer straight after the last conv.
TEST(Gradients, OverlappingPoolOneByOneConvKernel5) {
  check_gradients({"conv2d 4 kernel=5 stride=2 padding=2", "relu", "maxpool 3 stride=2", "conv2d 3 kernel=1",
                   "relu", "conv2d 2 kernel=2", "flatten", "dense 4"},
                  {3, 13, 11}, 2);
}

// A network that starts with flatten (a plain multi-layer perceptron).
TEST(Gradients, DenseOnly) {
  check_gradients({"flatten", "dense 7", "relu", "dense 5", "relu", "dense 3"}, {1, 4, 5}, 4);
}

TEST(Engine, FloatForwardMatchesAcrossThreadsAndRecordsActivations) {
  const Network net = parse_network({"conv2d 8 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 10"},
                                    {1, 12, 12}, "test");
  const ParamLayout lay(net);
  const auto flat = init_params(net, lay, 7);
  const CnnModel model = to_model(net, lay, flat.data(), 1.0 / 255.0);
  const long count = 150;  // three inference slices, the last partial
  std::vector<std::uint8_t> pixels(count * 144);
  Rng rng(3);
  for (auto& p : pixels) p = static_cast<std::uint8_t>(rng.below(256));
  std::vector<std::vector<float>> acts;
  const auto one = float_forward(model, pixels.data(), count, 1, &acts);
  EXPECT_EQ(one.size(), static_cast<std::size_t>(count * 10));
  EXPECT_EQ(float_forward(model, pixels.data(), count, 2), one);
  EXPECT_EQ(float_forward(model, pixels.data(), count, 3), one);
  ASSERT_EQ(acts.size(), 5u);
  EXPECT_EQ(acts[0].size(), static_cast<std::size_t>(count * 8 * 144));
  EXPECT_EQ(acts[2].size(), static_cast<std::size_t>(count * 8 * 36));
  EXPECT_EQ(acts[3], acts[2]);  // flatten: the same values
  EXPECT_EQ(acts[4], one);
  for (float v : acts[1]) ASSERT_GE(v, 0.0f);  // relu
  // Image 77 computed alone gives the same logits as inside the batch (to
  // float rounding: GEMM blocking depends on the slice size).
  const auto single = float_forward(model, pixels.data() + 77 * 144, 1, 1);
  for (int c = 0; c < 10; ++c) EXPECT_NEAR(single[c], one[77 * 10 + c], 1e-4f);
  // A direct computation of the first conv output (y=0, x=0, channel 0),
  // channel-last with weights [out][ky][kx][in] and padding 1.
  double ref = model.params[0].bias[0];
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx) {
      const int iy = ky - 1, ix = kx - 1;
      if (iy < 0 || ix < 0) continue;
      ref += model.params[0].weight[ky * 3 + kx] * (pixels[iy * 12 + ix] / 255.0);
    }
  EXPECT_NEAR(acts[0][0], ref, 1e-5);
}
