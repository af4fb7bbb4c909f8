// The int8 network with table products, as the float training engine sees
// it (trainer.lut_finetune).
//
// Forward: before every batch the current float weights are quantized
// exactly as quantizer.int8 does (quant::quantize_calibrated with fixed
// activation ranges), and every conv2d/dense layer's output is computed by
// the integer model with the multiplier table (LutEngine::accumulate, then
// the int8 requantization), handed to the engine dequantized:
//   conv/dense output  acc * s_w[o] * s_in   (acc: int32 accumulator)
//   fused relu output  max(requant(acc), 0) * s_out
//   last layer         the int32 logits * s_w * s_in
// so the loss is the loss of the LUT network, and the engine's im2col,
// pooling and loss run on exactly the values the integer model sees.
//
// Backward (gradient w.r.t. the dequantized weights, applied to the float
// weights: a straight-through estimator for weight and activation
// rounding; relu passes where the requantized output is > 0):
//   Gradient::Ste            the exact-product gradient: d acc / d w = x,
//                            d acc / d x = w (the engine's own GEMMs, run
//                            with the dequantized weights);
//   Gradient::LutDifference  the table's own slopes for the table layers:
//                            d acc / d w = dE/da (w, x), d acc / d x =
//                            dE/db (w, x), central differences of
//                            neighbouring table entries (one-sided at -128
//                            and 127); exact layers keep the STE.
#pragma once

#include "quant/quantize.hpp"
#include "train/engine.hpp"

#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace flowrun::cnn::lutft {

enum class Gradient { Ste, LutDifference };

// The slopes of a 256x256 effective table E in the operands' signed value
// space, index (a & 0xff) * 256 + (b & 0xff) like E: da = dE/da, db = dE/db.
struct TableSlopes {
  std::vector<float> da, db;
};
TableSlopes table_slopes(const std::vector<std::int32_t>& table);

class LutTrainingPass {
 public:
  // `table`: the effective product table and its layers (lut.hpp);
  // `workers`: the number of threads that call hooks(w) at once.
  LutTrainingPass(const Network& net, ProductTable table, Gradient gradient, int workers);
  ~LutTrainingPass();

  // Quantizes the flat parameters (train::ParamLayout of net) with the
  // given activation statistics and options and prepares the table
  // products; returns the dequantized parameters for the engine (valid
  // until the next call).
  const float* prepare(const float* params, const std::vector<quant::RangeStats>& ranges,
                       const quant::QuantizeOptions& opt, double input_scale);
  const QModel& qmodel() const { return q_; }
  // Hooks of worker w in [0, workers).
  const train::EngineHooks<float>* hooks(int worker) const;

 private:
  struct Scratch;
  bool forward(Scratch& s, int layer, int n, const float* in, float* out) const;
  bool lut_backward(Scratch& s, int layer, long rows, const float* cols, const float* g, float* dw, float* db,
                    float* dcols) const;
  void to_int8(const float* v, long count, double scale, std::vector<std::int8_t>& out) const;

  Network net_;
  ProductTable table_;
  Gradient gradient_;
  TableSlopes slopes_;
  train::ParamLayout layout_;
  QModel q_;
  std::unique_ptr<LutEngine> lut_;
  train::Buf<float> dequantized_;
  std::vector<std::unique_ptr<Scratch>> scratch_;
  std::vector<train::EngineHooks<float>> hooks_;
};

}  // namespace flowrun::cnn::lutft
