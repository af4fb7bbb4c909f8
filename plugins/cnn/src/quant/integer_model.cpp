// The bit-exact integer model of qmodel.hpp: what the generated hardware
// computes, value for value.
//
// Speed matters (the quantizer, the testbench generator and approximate-
// multiplier studies run it over whole test sets), so the layers are
// written as dot products over contiguous channel-last data: a conv output
// pixel gathers its K*K*Cin input patch once (zeros for padding) and then
// every output channel is one dot product with its weight row
// [ky][kx][in]. Values are held widened to int16 so that the compiler turns
// the int16*int16->int32 sums into vpmaddwd (int8 operands would need a
// sign extension in the inner loop and run ~3x slower). The arithmetic is
// still exactly int8*int8 products summed in int32: every int16 here holds
// an int8 value.
#include "integer_kernels.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

#include <algorithm>
#include <thread>

namespace flowrun::cnn {

std::int32_t requantize(std::int64_t acc, std::int64_t multiplier, int shift, Rounding rounding,
                        Saturation saturation) {
  return quant::requant(acc, multiplier, shift, rounding, saturation);
}

int predicted_class(const std::vector<std::int32_t>& logits) {
  return quant::argmax(logits.data(), static_cast<long>(logits.size()));
}

namespace quant {

namespace {

// int8 values held in int16 (see the file comment).
using Act = std::int16_t;

// Reductions at least this long use one dot product per output channel;
// shorter ones (a first conv over one input channel: K*K = 9) accumulate
// all output channels at once, one input value at a time, which vectorizes
// over the channels instead.
constexpr long kDotMin = 48;

// sum_k w[k] * x[k] in int32. With a valid qmodel (accumulator_bound) no
// partial sum leaves int32. Not inlined: as a separate function the
// compiler vectorizes it into vpmaddwd regardless of the caller.
__attribute__((noinline)) std::int32_t dot_exact(const Act* __restrict w, const Act* __restrict x, long n) {
  std::int32_t s = 0;
  for (long k = 0; k < n; ++k) s += static_cast<std::int32_t>(w[k]) * static_cast<std::int32_t>(x[k]);
  return s;
}

// acc[o] += sum_k wt[k][o] * x[k] for all o (weights transposed to
// [k][o]). Zero inputs (common after relu and in image backgrounds) add
// nothing and are skipped.
__attribute__((noinline)) void outer_exact(const std::int32_t* __restrict wt, const Act* __restrict x, long n,
                                           int outs, std::int32_t* __restrict acc) {
  for (long k = 0; k < n; ++k) {
    const std::int32_t xk = x[k];
    if (xk == 0) continue;
    const std::int32_t* w = wt + k * outs;
    for (int o = 0; o < outs; ++o) acc[o] += w[o] * xk;
  }
}

// The same sum with every product looked up in the 256x256 table. Table
// entries are arbitrary int32, so the sum is taken modulo 2^32 (what an
// int32 hardware accumulator does) instead of relying on signed overflow.
__attribute__((noinline)) std::int32_t dot_table(const std::int8_t* __restrict w, const Act* __restrict x, long n,
                                                 const std::int32_t* __restrict table) {
  std::uint32_t s = 0;
  for (long k = 0; k < n; ++k) {
    const unsigned idx = (static_cast<unsigned>(static_cast<std::uint8_t>(w[k])) << 8) |
                         static_cast<std::uint8_t>(x[k]);
    s += static_cast<std::uint32_t>(table[idx]);
  }
  return static_cast<std::int32_t>(s);
}

inline std::int32_t add_wrap(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}

// requant() over a row of output channels, with the rounding offset
// r[o] = 1 << (s[o]-1) (or 0) precomputed so the loop has no branches and
// vectorizes (64-bit multiply and per-lane shifts). Same arithmetic as
// requant(); the tests compare the two.
template <bool Saturate>
long requant_row(const std::int32_t* __restrict acc, const std::int64_t* __restrict m,
                 const std::int64_t* __restrict r, const std::int64_t* __restrict s, int n, Act* __restrict out,
                 bool count_negative) {
  long clipped = 0;
  for (int o = 0; o < n; ++o) {
    const std::int64_t v = (static_cast<std::int64_t>(acc[o]) * m[o] + r[o]) >> s[o];
    clipped += (v > 127) | (count_negative & (v < -128));
    if constexpr (Saturate) {
      out[o] = static_cast<Act>(v < -128 ? -128 : v > 127 ? 127 : v);
    } else {
      out[o] = static_cast<Act>(static_cast<std::int8_t>(static_cast<std::uint8_t>(v & 0xff)));
    }
  }
  return clipped;
}

}  // namespace

struct Engine::Prepared {
  const Layer* layer = nullptr;
  const QLayer* q = nullptr;
  std::vector<Act> w16;                 // exact products, [o][k] (dot form)
  std::vector<std::int32_t> wt32;       // exact products, [k][o] (short reductions)
  const std::int32_t* table = nullptr;  // table products (uses q->weight)
  std::vector<std::int64_t> m, r, s;    // requantization per output channel
  bool last = false;
  // Values below -128 change the output unless a relu follows and they
  // saturate to -128 (then relu makes them 0 either way).
  bool count_negative = true;
};

Engine::Engine(const QModel& q, const ProductTable* products) : q_(q) {
  if (q.layers.size() != q.net.layers.size())
    throw StageError("integer model: " + std::to_string(q.layers.size()) + " quantized layers for a network of " +
                     std::to_string(q.net.layers.size()));
  if (products && !products->table.empty() && products->table.size() != 65536)
    throw StageError("integer model: the product table has " + std::to_string(products->table.size()) +
                     " entries, expected 65536 (256x256, indexed (w & 0xff) * 256 + (x & 0xff))");
  const bool use_table = products && !products->table.empty();
  if (use_table)
    for (const auto& name : products->layers) {
      const Layer* l = q.net.find(name);
      if (!l || !l->has_weights())
        throw StageError("integer model: product table layer '" + name +
                         "' is not a conv2d or dense layer of the network");
    }
  layers_.resize(q.net.layers.size());
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    Prepared& p = layers_[i];
    p.layer = &q.net.layers[i];
    p.q = &q.layers[i];
    p.last = i + 1 == q.net.layers.size();
    p.count_negative = !(q.saturation == Saturation::Saturate && !p.last &&
                         q.net.layers[i + 1].type == LayerType::Relu);
    const Layer& l = *p.layer;
    max_size_ = std::max(max_size_, l.out.size());
    if (!l.has_weights()) continue;
    // The sizes run() indexes with; read_qmodel/check_qmodel check the
    // rest (ranges, the accumulator bound).
    const std::size_t outs = static_cast<std::size_t>(l.out_channels);
    if (p.q->weight.size() != static_cast<std::size_t>(l.weight_count()) || p.q->bias.size() != outs ||
        (!p.last && (p.q->multiplier.size() != outs || p.q->shift.size() != outs)))
      throw StageError("integer model: layer " + l.name + ": weight, bias, multiplier or shift count does not match '" +
                       l.text + "'");
    max_outs_ = std::max(max_outs_, static_cast<long>(outs));
    if (l.type == LayerType::Conv2d) max_patch_ = std::max(max_patch_, l.reduction());
    if (!p.last)
      for (std::size_t o = 0; o < outs; ++o) {
        const int sh = p.q->shift[o];
        if (sh < 0 || sh > 62)
          throw StageError("integer model: layer " + l.name + ": shift " + std::to_string(sh) + " outside [0, 62]");
        p.m.push_back(p.q->multiplier[o]);
        p.s.push_back(sh);
        p.r.push_back(q.rounding == Rounding::Nearest && sh > 0 ? std::int64_t{1} << (sh - 1) : 0);
      }
    const bool tabled = use_table && (products->layers.empty() ||
                                      std::find(products->layers.begin(), products->layers.end(), l.name) !=
                                          products->layers.end());
    const long R = l.reduction();
    if (tabled) {
      p.table = products->table.data();
    } else if (R >= kDotMin) {
      p.w16.assign(p.q->weight.begin(), p.q->weight.end());
    } else {
      p.wt32.resize(p.q->weight.size());
      for (std::size_t o = 0; o < outs; ++o)
        for (long k = 0; k < R; ++k) p.wt32[k * outs + o] = p.q->weight[o * R + k];
    }
  }
  max_size_ = std::max(max_size_, q.net.input.size());
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;

// The int32 accumulators of one output pixel (conv) or of a dense layer:
// acc[o] = bias[o] + sum_k w[o][k] * x[k].
void Engine::accumulate(const Prepared& p, const std::int16_t* x, std::int32_t* acc) const {
  const QLayer& ql = *p.q;
  const long R = p.layer->reduction();
  const int O = p.layer->out_channels;
  if (p.table) {
    for (int o = 0; o < O; ++o) acc[o] = add_wrap(ql.bias[o], dot_table(ql.weight.data() + o * R, x, R, p.table));
  } else if (!p.w16.empty()) {
    for (int o = 0; o < O; ++o) acc[o] = ql.bias[o] + dot_exact(p.w16.data() + o * R, x, R);
  } else {
    std::copy(ql.bias.begin(), ql.bias.end(), acc);
    outer_exact(p.wt32.data(), x, R, O, acc);
  }
}

long Engine::requantize_row(const Prepared& p, const std::int32_t* acc, std::int16_t* out) const {
  const int O = p.layer->out_channels;
  if (q_.saturation == Saturation::Saturate)
    return requant_row<true>(acc, p.m.data(), p.r.data(), p.s.data(), O, out, p.count_negative);
  return requant_row<false>(acc, p.m.data(), p.r.data(), p.s.data(), O, out, p.count_negative);
}

void Engine::run(const std::uint8_t* pixels, std::int32_t* logits, std::vector<std::vector<std::int32_t>>* trace,
                 Scratch& s) const {
  s.a.resize(static_cast<std::size_t>(max_size_));
  s.b.resize(static_cast<std::size_t>(max_size_));
  s.patch.resize(static_cast<std::size_t>(max_patch_));
  s.acc.resize(static_cast<std::size_t>(max_outs_));
  s.clipped.resize(layers_.size(), 0);
  Act* cur = s.a.data();
  Act* nxt = s.b.data();
  std::int32_t* acc = s.acc.data();
  const long in_size = q_.net.input.size();
  const int in_shift = q_.input_shift;
  for (long i = 0; i < in_size; ++i) cur[i] = static_cast<Act>(pixels[i] >> in_shift);
  if (trace) trace->assign(q_.net.layers.size(), {});

  for (std::size_t li = 0; li < layers_.size(); ++li) {
    const Prepared& p = layers_[li];
    const Layer& l = *p.layer;
    switch (l.type) {
      case LayerType::Conv2d: {
        const int H = l.in.height, W = l.in.width, C = l.in.channels;
        const int K = l.kernel, S = l.stride, P = l.padding;
        const int OH = l.out.height, OW = l.out.width, O = l.out_channels;
        const long row = static_cast<long>(K) * C;
        Act* patch = s.patch.data();
        for (int oy = 0; oy < OH; ++oy) {
          for (int ox = 0; ox < OW; ++ox) {
            // Patch [ky][kx][c], the weight row order; padding is zeros.
            // The kernel columns inside the image are one contiguous run.
            const int ix0 = ox * S - P;
            const int kx0 = std::max(0, -ix0), kx1 = std::min(K, W - ix0);
            for (int ky = 0; ky < K; ++ky) {
              const int iy = oy * S - P + ky;
              Act* dst = patch + ky * row;
              if (iy < 0 || iy >= H || kx0 >= kx1) {
                std::fill(dst, dst + row, Act{0});
                continue;
              }
              std::fill(dst, dst + kx0 * C, Act{0});
              const Act* src = cur + (static_cast<long>(iy) * W + ix0 + kx0) * C;
              const long n = static_cast<long>(kx1 - kx0) * C;
              for (long k = 0; k < n; ++k) dst[kx0 * C + k] = src[k];
              std::fill(dst + kx1 * C, dst + row, Act{0});
            }
            accumulate(p, patch, acc);
            s.clipped[li] += requantize_row(p, acc, nxt + (static_cast<long>(oy) * OW + ox) * O);
          }
        }
        std::swap(cur, nxt);
        break;
      }
      case LayerType::Dense: {
        if (p.last) {
          accumulate(p, cur, logits);
          if (trace) (*trace)[li].assign(logits, logits + l.out_channels);
          continue;
        }
        accumulate(p, cur, acc);
        s.clipped[li] += requantize_row(p, acc, nxt);
        std::swap(cur, nxt);
        break;
      }
      case LayerType::Relu: {
        // Fused into the conv/dense output stage in hardware; the same
        // values either way.
        const long n = l.out.size();
        for (long i = 0; i < n; ++i) cur[i] = std::max<Act>(cur[i], 0);
        break;
      }
      case LayerType::MaxPool: {
        const int W = l.in.width, C = l.in.channels;
        const int K = l.kernel, S = l.stride, OH = l.out.height, OW = l.out.width;
        for (int oy = 0; oy < OH; ++oy)
          for (int ox = 0; ox < OW; ++ox) {
            Act* out = nxt + (static_cast<long>(oy) * OW + ox) * C;
            std::fill(out, out + C, Act{-128});
            for (int ky = 0; ky < K; ++ky)
              for (int kx = 0; kx < K; ++kx) {
                const Act* src = cur + (static_cast<long>(oy * S + ky) * W + (ox * S + kx)) * C;
                for (int c = 0; c < C; ++c) out[c] = std::max(out[c], src[c]);
              }
          }
        std::swap(cur, nxt);
        break;
      }
      case LayerType::Flatten:
        break;  // channel-last order is already the flattened order
    }
    if (trace) (*trace)[li].assign(cur, cur + l.out.size());
  }
}

}  // namespace quant

std::vector<std::int32_t> infer(const QModel& q, const std::uint8_t* pixels, const ProductTable* products,
                                std::vector<std::vector<std::int32_t>>* trace) {
  const quant::Engine engine(q, products);
  quant::Scratch scratch;
  std::vector<std::int32_t> logits(static_cast<std::size_t>(q.net.classes()));
  engine.run(pixels, logits.data(), trace, scratch);
  return logits;
}

namespace quant {

std::vector<std::int32_t> infer_batch_counted(const QModel& q, const std::uint8_t* pixels, long count, int threads,
                                              const ProductTable* products, std::vector<long>* clipped) {
  const Engine engine(q, products);
  const long classes = q.net.classes();
  const long image = q.net.input.size();
  std::vector<std::int32_t> logits(static_cast<std::size_t>(std::max(0L, count) * classes));
  if (clipped) clipped->assign(q.net.layers.size(), 0);
  if (count <= 0) return logits;
  const long n = std::clamp<long>(threads, 1, count);
  // Contiguous slices, each image written to its own row: the result does
  // not depend on the thread count (nor do the summed counts).
  std::vector<Scratch> scratch(static_cast<std::size_t>(n));
  const auto work = [&](long t) {
    for (long i = count * t / n; i < count * (t + 1) / n; ++i)
      engine.run(pixels + i * image, logits.data() + i * classes, nullptr, scratch[t]);
  };
  std::vector<std::thread> pool;
  for (long t = 1; t < n; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (clipped)
    for (const auto& sc : scratch)
      for (std::size_t i = 0; i < sc.clipped.size(); ++i) (*clipped)[i] += sc.clipped[i];
  return logits;
}

}  // namespace quant

std::vector<std::int32_t> infer_batch(const QModel& q, const std::uint8_t* pixels, long count, int threads,
                                      const ProductTable* products) {
  return quant::infer_batch_counted(q, pixels, count, threads, products, nullptr);
}

}  // namespace flowrun::cnn
