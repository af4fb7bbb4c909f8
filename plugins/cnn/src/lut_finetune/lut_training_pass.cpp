// The int8 LUT network as hooks of the float engine (lut_training_pass.hpp).
#include "lut_finetune/lut_training_pass.hpp"

#include "quant/integer_kernels.hpp"
#include "train/trainer.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>

namespace flowrun::cnn::lutft {

struct LutTrainingPass::Scratch {
  std::vector<std::int8_t> x8;    // a layer's input as int8
  std::vector<std::int32_t> acc;  // the last conv/dense layer's accumulators (its relu reads them)
  std::vector<float> dwt;         // LUT-difference weight gradient, [R][O]
};

TableSlopes table_slopes(const std::vector<std::int32_t>& table) {
  if (table.size() != 65536) throw StageError("lut_finetune: a product table has 65536 entries, got " +
                                              std::to_string(table.size()));
  TableSlopes s;
  s.da.resize(65536);
  s.db.resize(65536);
  const auto at = [&](int a, int b) {  // a, b signed operand values
    return static_cast<double>(table[static_cast<std::size_t>((a & 0xff) * 256 + (b & 0xff))]);
  };
  // Central difference inside, one-sided at the ends of -128..127.
  const auto slope = [](int v, auto&& f) {
    const int lo = std::max(v - 1, -128), hi = std::min(v + 1, 127);
    return static_cast<float>((f(hi) - f(lo)) / (hi - lo));
  };
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) {
      const std::size_t i = static_cast<std::size_t>((a & 0xff) * 256 + (b & 0xff));
      s.da[i] = slope(a, [&](int v) { return at(v, b); });
      s.db[i] = slope(b, [&](int v) { return at(a, v); });
    }
  return s;
}

LutTrainingPass::LutTrainingPass(const Network& net, ProductTable table, Gradient gradient, int workers)
    : net_(net), table_(std::move(table)), gradient_(gradient), layout_(net) {
  if (table_.table.empty()) table_.table = effective_table(exact_multiplier_table(LutMapping::Signed),
                                                           LutMapping::Signed).table;
  if (gradient_ == Gradient::LutDifference) slopes_ = table_slopes(table_.table);
  dequantized_.assign(static_cast<std::size_t>(layout_.total), 0.0f);
  for (int w = 0; w < std::max(1, workers); ++w) {
    scratch_.push_back(std::make_unique<Scratch>());
    Scratch* s = scratch_.back().get();
    train::EngineHooks<float> h;
    h.forward = [this, s](int layer, int n, const float* in, float* out) { return forward(*s, layer, n, in, out); };
    if (gradient_ == Gradient::LutDifference)
      h.weighted_backward = [this, s](int layer, long rows, const float* cols, const float* g, float* dw, float* db,
                                      float* dcols) { return lut_backward(*s, layer, rows, cols, g, dw, db, dcols); };
    hooks_.push_back(std::move(h));
  }
}

LutTrainingPass::~LutTrainingPass() = default;

const train::EngineHooks<float>* LutTrainingPass::hooks(int worker) const { return &hooks_.at(worker); }

const float* LutTrainingPass::prepare(const float* params, const std::vector<quant::RangeStats>& ranges,
                                      const quant::QuantizeOptions& opt, double input_scale) {
  const CnnModel m = train::to_model(net_, layout_, params, input_scale);
  q_ = quant::quantize_calibrated(m, ranges, opt).qmodel;
  lut_ = std::make_unique<LutEngine>(q_, &table_);
  for (std::size_t i = 0; i < net_.layers.size(); ++i) {
    const Layer& l = net_.layers[i];
    if (!l.has_weights()) continue;
    const QLayer& ql = q_.layers[i];
    const long R = l.reduction();
    float* w = dequantized_.data() + layout_.weight[i];
    float* b = dequantized_.data() + layout_.bias[i];
    for (int o = 0; o < l.out_channels; ++o) {
      for (long k = 0; k < R; ++k) w[o * R + k] = static_cast<float>(ql.weight[o * R + k] * ql.weight_scale[o]);
      b[o] = static_cast<float>(ql.bias[o] * ql.weight_scale[o] * ql.input_scale);
    }
  }
  return dequantized_.data();
}

// The engine's values are int8 values times the scale (the input is
// (pixel >> shift) * input_scale, every other layer input an output
// written by forward()), so rounding recovers the integers exactly.
void LutTrainingPass::to_int8(const float* v, long count, double scale, std::vector<std::int8_t>& out) const {
  out.resize(static_cast<std::size_t>(count));
  const double inv = 1.0 / scale;
  for (long j = 0; j < count; ++j)
    out[j] = static_cast<std::int8_t>(std::clamp(std::lround(static_cast<double>(v[j]) * inv), -128L, 127L));
}

bool LutTrainingPass::forward(Scratch& s, int layer, int n, const float* in, float* out) const {
  const Layer& l = net_.layers[layer];
  const bool last = layer + 1 == static_cast<int>(net_.layers.size());
  if (l.has_weights()) {
    const QLayer& ql = q_.layers[layer];
    to_int8(in, n * l.in.size(), ql.input_scale, s.x8);
    const long count = n * l.out.size();
    s.acc.resize(static_cast<std::size_t>(count));
    lut_->accumulate(layer, s.x8.data(), n, s.acc.data());
    const int O = l.out_channels;
    const bool fused_relu = !last && net_.layers[layer + 1].type == LayerType::Relu;
    for (long j = 0; j < count; ++j) {
      const int o = static_cast<int>(j % O);
      if (last || fused_relu) {
        out[j] = static_cast<float>(s.acc[j] * ql.weight_scale[o] * ql.input_scale);
      } else {  // requantized without relu: the next layer sees the int8 value
        out[j] = static_cast<float>(
            quant::requant(s.acc[j], ql.multiplier[o], ql.shift[o], q_.rounding, q_.saturation) * ql.output_scale);
      }
    }
    return true;
  }
  if (l.type == LayerType::Relu && layer > 0 && net_.layers[layer - 1].has_weights()) {
    const QLayer& ql = q_.layers[layer - 1];
    const int O = net_.layers[layer - 1].out_channels;
    const long count = n * l.out.size();
    for (long j = 0; j < count; ++j) {
      const int o = static_cast<int>(j % O);
      const std::int32_t y = quant::requant(s.acc[j], ql.multiplier[o], ql.shift[o], q_.rounding, q_.saturation);
      out[j] = static_cast<float>(std::max(y, 0) * ql.output_scale);
    }
    return true;
  }
  return false;
}

// out[p][o] = (sum_k E[w[o][k]][x[p][k]]) * s_w[o] * s_in + bias: with
// w = w_deq / s_w and x = x_deq / s_in,
//   d out / d w_deq[o][k] = s_in * dE/da,   d out / d x_deq[p][k] = s_w[o] * dE/db.
// Sums over rows run in row order, so the result does not depend on threads.
bool LutTrainingPass::lut_backward(Scratch& s, int layer, long rows, const float* cols, const float* g, float* dw,
                                   float* db, float* dcols) const {
  if (!lut_->tabled(layer)) return false;
  const Layer& l = net_.layers[layer];
  const QLayer& ql = q_.layers[layer];
  const long R = l.reduction();
  const int O = l.out_channels;
  to_int8(cols, rows * R, ql.input_scale, s.x8);
  // Weight patterns transposed to [k][o], shifted to the table row.
  std::vector<int> wt(static_cast<std::size_t>(R * O));
  for (int o = 0; o < O; ++o)
    for (long k = 0; k < R; ++k) wt[k * O + o] = (ql.weight[o * R + k] & 0xff) << 8;
  std::vector<float> sw(ql.weight_scale.begin(), ql.weight_scale.end());
  s.dwt.assign(static_cast<std::size_t>(R * O), 0.0f);
  std::fill(db, db + O, 0.0f);
  const float* da = slopes_.da.data();
  const float* dbt = slopes_.db.data();
  for (long p = 0; p < rows; ++p) {
    const float* gp = g + p * O;
    for (int o = 0; o < O; ++o) db[o] += gp[o];
    const std::int8_t* xp = s.x8.data() + p * R;
    for (long k = 0; k < R; ++k) {
      const int x = xp[k] & 0xff;
      const int* wk = wt.data() + k * O;
      float* dk = s.dwt.data() + k * O;
      float dx = 0;
      for (int o = 0; o < O; ++o) {
        dk[o] += gp[o] * da[wk[o] + x];
        dx += gp[o] * sw[o] * dbt[wk[o] + x];
      }
      if (dcols) dcols[p * R + k] = dx;
    }
  }
  const float s_in = static_cast<float>(ql.input_scale);
  for (int o = 0; o < O; ++o)
    for (long k = 0; k < R; ++k) dw[o * R + k] = s.dwt[k * O + o] * s_in;
  return true;
}

}  // namespace flowrun::cnn::lutft
