// Fast LUT inference (LutEngine, flowrun_cnn/lut.hpp): the integer model of
// qmodel.hpp with every product of a table layer taken from the effective
// table E, value for value what infer() computes with the same
// ProductTable, ~100x faster.
//
// Why it is fast: a table product depends on the weight (fixed per layer)
// and on one activation byte. So for tap k of a layer (a (ky, kx, c) of a
// conv kernel, an input index of a dense layer) and activation value v, the
// products of all output channels are one precomputed row
//   D[k][v][o] = E[w[o][k]][v] - E[w[o][k]][0]
// and an accumulator is Z[o] + sum over taps with v != 0 of D[k][v][o],
// Z[o] = bias[o] + sum_k E[w[o][k]][0]. Activations are mostly zero (relu,
// image backgrounds) and zero padding is folded into Z, so the work is one
// vector add of O channels per non-zero input tap, with no gathers. Taps
// run in the outer loop so that D[k] (256 x O values) stays in L1 while every
// output pixel uses it. When the rows of a layer would be too large (a wide
// dense layer: 256 x in x out values), the layer keeps one 256 x 256 table
// transposed by activation, Dt[v][w], and gathers Dt[v][w[o][k]] over o.
// All sums are modulo 2^32 (uint32), the int32 accumulator's wrap-around.
#include "quant/integer_kernels.hpp"

#include <flowrun_cnn/lut.hpp>

#include <flowrun/stage.hpp>

#include <algorithm>
#include <thread>

namespace flowrun::cnn {

namespace {

struct LayerPlan {
  const Layer* layer = nullptr;
  const QLayer* q = nullptr;
  bool weighted = false, tabled = false, last = false;
  // Geometry as a conv (a dense layer is a 1x1 map of in.size() channels
  // under a 1x1 kernel).
  int H = 1, W = 1, C = 1, K = 1, S = 1, P = 0, OH = 1, OW = 1, O = 0;
  long R = 0;
  std::vector<std::uint32_t> zconst;  // Z[o]
  std::vector<std::uint32_t> rows;    // D[k][v][o] (row form), else empty
  std::vector<std::int32_t> widx;     // w[o][k] & 0xff at [k][o] (gather form)
  const std::uint32_t* dt = nullptr;  // Dt[v][w] (gather form)
  std::vector<std::int64_t> m, s;  // requantization multiplier and shift per channel
};

}  // namespace

struct LutEngine::Impl {
  const QModel* q = nullptr;
  std::vector<std::int32_t> exact;  // exact E for layers outside `products->layers`
  std::vector<std::int32_t> table;  // the given E
  std::vector<std::uint32_t> dt_exact, dt_table;
  std::vector<LayerPlan> plans;
  long max_size = 0, max_acc = 0;

  static std::vector<std::uint32_t> transposed_diff(const std::vector<std::int32_t>& e) {
    std::vector<std::uint32_t> dt(65536);
    for (int w = 0; w < 256; ++w)
      for (int v = 0; v < 256; ++v)
        dt[static_cast<std::size_t>(v) * 256 + w] =
            static_cast<std::uint32_t>(e[static_cast<std::size_t>(w) * 256 + v]) -
            static_cast<std::uint32_t>(e[static_cast<std::size_t>(w) * 256]);
    return dt;
  }

  // Accumulators of one image: acc[p * O + o] for output pixel p.
  void run_layer(const LayerPlan& p, const std::int8_t* __restrict in, std::uint32_t* __restrict acc) const {
    const int O = p.O;
    const long pixels = static_cast<long>(p.OH) * p.OW;
    for (long px = 0; px < pixels; ++px) std::copy(p.zconst.begin(), p.zconst.end(), acc + px * O);
    for (int ky = 0; ky < p.K; ++ky) {
      for (int kx = 0; kx < p.K; ++kx) {
        for (int c = 0; c < p.C; ++c) {
          const long k = (static_cast<long>(ky) * p.K + kx) * p.C + c;
          const std::uint32_t* dk = p.rows.empty() ? nullptr : p.rows.data() + k * 256 * O;
          const std::int32_t* wk = p.rows.empty() ? p.widx.data() + k * O : nullptr;
          for (int oy = 0; oy < p.OH; ++oy) {
            const int iy = oy * p.S - p.P + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int ox = 0; ox < p.OW; ++ox) {
              const int ix = ox * p.S - p.P + kx;
              if (ix < 0 || ix >= p.W) continue;
              const std::int8_t v = in[(static_cast<long>(iy) * p.W + ix) * p.C + c];
              if (v == 0) continue;
              std::uint32_t* __restrict a = acc + (static_cast<long>(oy) * p.OW + ox) * O;
              const unsigned vi = static_cast<std::uint8_t>(v);
              if (dk) {
                const std::uint32_t* __restrict row = dk + vi * O;
                for (int o = 0; o < O; ++o) a[o] += row[o];
              } else {
                const std::uint32_t* __restrict row = p.dt + vi * 256;
                for (int o = 0; o < O; ++o) a[o] += row[wk[o]];
              }
            }
          }
        }
      }
    }
  }

  void run_image(const std::uint8_t* pixels, std::int32_t* logits, std::vector<std::int8_t>& a,
                 std::vector<std::int8_t>& b, std::vector<std::uint32_t>& acc) const {
    const QModel& qm = *q;
    std::int8_t* cur = a.data();
    std::int8_t* nxt = b.data();
    const long in_size = qm.net.input.size();
    for (long i = 0; i < in_size; ++i) cur[i] = static_cast<std::int8_t>(pixels[i] >> qm.input_shift);
    for (const LayerPlan& p : plans) {
      const Layer& l = *p.layer;
      if (p.weighted) {
        run_layer(p, cur, acc.data());
        if (p.last) {
          for (int o = 0; o < p.O; ++o) logits[o] = static_cast<std::int32_t>(acc[o]);
          return;
        }
        const long pixels_out = static_cast<long>(p.OH) * p.OW;
        for (long px = 0; px < pixels_out; ++px)
          for (int o = 0; o < p.O; ++o)
            nxt[px * p.O + o] = static_cast<std::int8_t>(quant::requant(
                static_cast<std::int32_t>(acc[px * p.O + o]), p.m[o], static_cast<int>(p.s[o]), qm.rounding,
                qm.saturation));
        std::swap(cur, nxt);
        continue;
      }
      switch (l.type) {
        case LayerType::Relu: {
          const long n = l.out.size();
          for (long i = 0; i < n; ++i) cur[i] = std::max<std::int8_t>(cur[i], 0);
          break;
        }
        case LayerType::MaxPool: {
          const int W = l.in.width, C = l.in.channels, K = l.kernel, S = l.stride;
          for (int oy = 0; oy < l.out.height; ++oy)
            for (int ox = 0; ox < l.out.width; ++ox) {
              std::int8_t* out = nxt + (static_cast<long>(oy) * l.out.width + ox) * C;
              std::fill(out, out + C, std::int8_t{-128});
              for (int ky = 0; ky < K; ++ky)
                for (int kx = 0; kx < K; ++kx) {
                  const std::int8_t* src = cur + (static_cast<long>(oy * S + ky) * W + (ox * S + kx)) * C;
                  for (int c = 0; c < C; ++c) out[c] = std::max(out[c], src[c]);
                }
            }
          std::swap(cur, nxt);
          break;
        }
        default:
          break;  // flatten: channel-last order is the flattened order
      }
    }
  }
};

LutEngine::LutEngine(const QModel& q, const ProductTable* products, std::size_t max_row_bytes) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.q = &q;
  if (q.layers.size() != q.net.layers.size())
    throw StageError("LUT inference: " + std::to_string(q.layers.size()) + " quantized layers for a network of " +
                     std::to_string(q.net.layers.size()));
  const bool use_table = products && !products->table.empty();
  if (use_table && products->table.size() != 65536)
    throw StageError("LUT inference: the product table has " + std::to_string(products->table.size()) +
                     " entries, expected 65536");
  if (use_table)
    for (const auto& name : products->layers) {
      const Layer* l = q.net.find(name);
      if (!l || !l->has_weights())
        throw StageError("LUT inference: layer '" + name + "' (param layers) is not a conv2d or dense layer of the network");
    }
  im.exact.resize(65536);
  for (int w = 0; w < 256; ++w)
    for (int v = 0; v < 256; ++v)
      im.exact[static_cast<std::size_t>(w) * 256 + v] = static_cast<std::int8_t>(w) * static_cast<std::int8_t>(v);
  if (use_table) im.table = products->table;

  im.plans.resize(q.net.layers.size());
  im.max_size = q.net.input.size();
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    LayerPlan& p = im.plans[i];
    const Layer& l = q.net.layers[i];
    p.layer = &l;
    p.q = &q.layers[i];
    p.last = i + 1 == q.net.layers.size();
    im.max_size = std::max(im.max_size, l.out.size());
    if (!l.has_weights()) continue;
    p.weighted = true;
    p.tabled = use_table && (products->layers.empty() || std::find(products->layers.begin(), products->layers.end(),
                                                                   l.name) != products->layers.end());
    if (l.type == LayerType::Conv2d) {
      p.H = l.in.height, p.W = l.in.width, p.C = l.in.channels;
      p.K = l.kernel, p.S = l.stride, p.P = l.padding;
      p.OH = l.out.height, p.OW = l.out.width;
    } else {
      p.C = static_cast<int>(l.in.size());
    }
    p.O = l.out_channels;
    p.R = l.reduction();
    const QLayer& ql = *p.q;
    if (ql.weight.size() != static_cast<std::size_t>(l.weight_count()) ||
        ql.bias.size() != static_cast<std::size_t>(p.O) ||
        (!p.last && (ql.multiplier.size() != static_cast<std::size_t>(p.O) ||
                     ql.shift.size() != static_cast<std::size_t>(p.O))))
      throw StageError("LUT inference: layer " + l.name + ": weight, bias, multiplier or shift count does not match '" +
                       l.text + "'");
    im.max_acc = std::max(im.max_acc, static_cast<long>(p.OH) * p.OW * p.O);
    if (!p.last)
      for (int o = 0; o < p.O; ++o) {
        const int sh = ql.shift[o];
        if (sh < 0 || sh > 62)
          throw StageError("LUT inference: layer " + l.name + ": shift " + std::to_string(sh) + " outside [0, 62]");
        p.m.push_back(ql.multiplier[o]);
        p.s.push_back(sh);
      }
    const std::vector<std::int32_t>& e = p.tabled ? im.table : im.exact;
    auto E = [&](std::int8_t w, int v) {
      return static_cast<std::uint32_t>(e[static_cast<std::size_t>(static_cast<std::uint8_t>(w)) * 256 + v]);
    };
    p.zconst.resize(p.O);
    for (int o = 0; o < p.O; ++o) {
      std::uint32_t z = static_cast<std::uint32_t>(ql.bias[o]);
      for (long k = 0; k < p.R; ++k) z += E(ql.weight[o * p.R + k], 0);
      p.zconst[o] = z;
    }
    const std::size_t row_bytes = static_cast<std::size_t>(p.R) * 256 * p.O * 4;
    if (row_bytes <= max_row_bytes) {
      p.rows.resize(static_cast<std::size_t>(p.R) * 256 * p.O);
      for (long k = 0; k < p.R; ++k)
        for (int v = 0; v < 256; ++v) {
          std::uint32_t* row = p.rows.data() + (k * 256 + v) * p.O;
          for (int o = 0; o < p.O; ++o) row[o] = E(ql.weight[o * p.R + k], v) - E(ql.weight[o * p.R + k], 0);
        }
    } else {
      std::vector<std::uint32_t>& dt = p.tabled ? im.dt_table : im.dt_exact;
      if (dt.empty()) dt = Impl::transposed_diff(e);
      p.dt = dt.data();
      p.widx.resize(static_cast<std::size_t>(p.R) * p.O);
      for (long k = 0; k < p.R; ++k)
        for (int o = 0; o < p.O; ++o) p.widx[k * p.O + o] = static_cast<std::uint8_t>(ql.weight[o * p.R + k]);
    }
  }
}

LutEngine::~LutEngine() = default;
LutEngine::LutEngine(LutEngine&&) noexcept = default;

bool LutEngine::tabled(int layer) const { return impl_->plans.at(static_cast<std::size_t>(layer)).tabled; }

void LutEngine::accumulate(int layer, const std::int8_t* in, int n, std::int32_t* acc) const {
  const LayerPlan& p = impl_->plans.at(static_cast<std::size_t>(layer));
  if (!p.weighted) throw StageError("LUT inference: layer " + p.layer->name + " has no weights");
  const long in_size = p.layer->in.size(), out_size = p.layer->out.size();
  for (int i = 0; i < n; ++i)
    impl_->run_layer(p, in + i * in_size, reinterpret_cast<std::uint32_t*>(acc + i * out_size));
}

std::vector<std::int32_t> LutEngine::infer_batch(const std::uint8_t* pixels, long count, int threads) const {
  const Impl& im = *impl_;
  const long classes = im.q->net.classes();
  const long image = im.q->net.input.size();
  std::vector<std::int32_t> logits(static_cast<std::size_t>(std::max(0L, count) * classes));
  if (count <= 0) return logits;
  const long n = std::clamp<long>(threads, 1, count);
  const auto work = [&](long t) {
    std::vector<std::int8_t> a(static_cast<std::size_t>(im.max_size)), b(a.size());
    std::vector<std::uint32_t> acc(static_cast<std::size_t>(std::max(im.max_acc, classes)));
    for (long i = count * t / n; i < count * (t + 1) / n; ++i)
      im.run_image(pixels + i * image, logits.data() + i * classes, a, b, acc);
  };
  std::vector<std::thread> pool;
  for (long t = 1; t < n; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  return logits;
}

}  // namespace flowrun::cnn
