// Forward / backward kernels of the float CNN (see engine.hpp).
#include "train/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace flowrun::cnn::train {
namespace {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MMap = Eigen::Map<Mat<T>>;
template <class T>
using CMap = Eigen::Map<const Mat<T>>;

long round16(long n) { return (n + 15) / 16 * 16; }

// A 1x1 conv with stride 1 and no padding reads its input as the im2col
// matrix directly.
bool direct_conv(const Layer& l) { return l.kernel == 1 && l.stride == 1 && l.padding == 0; }

// im2col for channel-last input: row (b, oy, ox) holds the K*K*C window in
// (ky, kx, c) order, the order of a weight row [out][ky][kx][in]; taps in
// the zero padding are 0. Runs are short (K*C values, 3 for a first conv
// layer on grey images), so plain loops beat memcpy/memset calls.
template <class T>
#if defined(__GNUC__) && !defined(__clang__)
// Keep GCC from turning the short copy loops back into library calls.
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void im2col(const Layer& l, const T* in, int n, T* cols) {
  const int H = l.in.height, W = l.in.width, C = l.in.channels;
  const int Ho = l.out.height, Wo = l.out.width, K = l.kernel, S = l.stride, P = l.padding;
  const long KC = static_cast<long>(K) * C, R = KC * K;
  T* row = cols;
  for (int b = 0; b < n; ++b) {
    const T* img = in + static_cast<long>(b) * H * W * C;
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox, row += R) {
        T* dst = row;
        const int ix0 = ox * S - P;
        const bool inside_x = ix0 >= 0 && ix0 + K <= W;
        for (int ky = 0; ky < K; ++ky, dst += KC) {
          const int iy = oy * S - P + ky;
          if (iy < 0 || iy >= H) {
            for (long j = 0; j < KC; ++j) dst[j] = T(0);
          } else if (inside_x) {  // the whole kernel row is inside: one contiguous run
            const T* src = img + (static_cast<long>(iy) * W + ix0) * C;
            for (long j = 0; j < KC; ++j) dst[j] = src[j];
          } else {
            for (int kx = 0; kx < K; ++kx) {
              const int ix = ix0 + kx;
              T* d = dst + static_cast<long>(kx) * C;
              if (ix < 0 || ix >= W) {
                for (int c = 0; c < C; ++c) d[c] = T(0);
              } else {
                const T* src = img + (static_cast<long>(iy) * W + ix) * C;
                for (int c = 0; c < C; ++c) d[c] = src[c];
              }
            }
          }
        }
      }
  }
}

// The adjoint of im2col: adds every window row back onto the input
// gradient (overlapping windows accumulate).
template <class T>
void col2im(const Layer& l, const T* cols, int n, T* dx) {
  const int H = l.in.height, W = l.in.width, C = l.in.channels;
  const int Ho = l.out.height, Wo = l.out.width, K = l.kernel, S = l.stride, P = l.padding;
  const long R = static_cast<long>(K) * K * C;
  std::fill(dx, dx + static_cast<long>(n) * H * W * C, T(0));
  const T* row = cols;
  for (int b = 0; b < n; ++b) {
    T* img = dx + static_cast<long>(b) * H * W * C;
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox, row += R) {
        const T* src = row;
        for (int ky = 0; ky < K; ++ky) {
          const int iy = oy * S - P + ky;
          if (iy < 0 || iy >= H) {
            src += static_cast<long>(K) * C;
            continue;
          }
          for (int kx = 0; kx < K; ++kx, src += C) {
            const int ix = ox * S - P + kx;
            if (ix < 0 || ix >= W) continue;
            T* d = img + (static_cast<long>(iy) * W + ix) * C;
            for (int c = 0; c < C; ++c) d[c] += src[c];
          }
        }
      }
  }
}

// out[N][O] = in[N][R] * W[O][R]^T + bias: the conv (after im2col) and the
// dense forward step.
template <class T>
void affine(const T* in, const T* w, const T* bias, long N, long R, long O, T* out) {
  MMap<T>(out, N, O).noalias() = CMap<T>(in, N, R) * CMap<T>(w, O, R).transpose();
  for (long r = 0; r < N; ++r) {
    T* o = out + r * O;
    for (long k = 0; k < O; ++k) o[k] += bias[k];
  }
}

// Weight and bias gradients of affine(): dW = g^T * in, db = column sums
// of g (summed in row order, so the result is reproducible).
template <class T>
void affine_grads(const T* in, const T* g, long N, long R, long O, T* dw, T* db) {
  MMap<T>(dw, O, R).noalias() = CMap<T>(g, N, O).transpose() * CMap<T>(in, N, R);
  std::fill(db, db + O, T(0));
  for (long r = 0; r < N; ++r) {
    const T* gr = g + r * O;
    for (long k = 0; k < O; ++k) db[k] += gr[k];
  }
}

template <class T>
void maxpool_forward(const Layer& l, const T* in, int n, T* out, std::int32_t* arg) {
  const int H = l.in.height, W = l.in.width, C = l.in.channels;
  const int Ho = l.out.height, Wo = l.out.width, K = l.kernel, S = l.stride;
  for (int b = 0; b < n; ++b) {
    const long base = static_cast<long>(b) * H * W * C;
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox) {
        T* o = out + ((static_cast<long>(b) * Ho + oy) * Wo + ox) * C;
        std::int32_t* a = arg + ((static_cast<long>(b) * Ho + oy) * Wo + ox) * C;
        const long first = base + (static_cast<long>(oy) * S * W + static_cast<long>(ox) * S) * C;
        for (int c = 0; c < C; ++c) {
          o[c] = in[first + c];
          a[c] = static_cast<std::int32_t>(first + c);
        }
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx) {
            if (ky == 0 && kx == 0) continue;
            const long at = base + ((static_cast<long>(oy) * S + ky) * W + ox * S + kx) * C;
            // Strictly greater: ties keep the first element in window order.
            // Branch-free so the channel loop vectorizes.
            for (int c = 0; c < C; ++c) {
              const T v = in[at + c];
              const bool gt = v > o[c];
              o[c] = gt ? v : o[c];
              a[c] = gt ? static_cast<std::int32_t>(at + c) : a[c];
            }
          }
      }
  }
}

}  // namespace

ParamLayout::ParamLayout(const Network& net) {
  for (const auto& l : net.layers) {
    if (l.has_weights()) {
      weight.push_back(total);
      total += round16(l.weight_count());
      bias.push_back(total);
      total += round16(l.out_channels);
    } else {
      weight.push_back(-1);
      bias.push_back(-1);
    }
  }
}

template <class T>
Engine<T>::Engine(const Network& net) : net_(net), layout_(net) {
  first_weighted_ = static_cast<int>(net_.layers.size());
  for (std::size_t i = 0; i < net_.layers.size(); ++i)
    if (net_.layers[i].has_weights()) {
      first_weighted_ = static_cast<int>(i);
      break;
    }
}

template <class T>
void Engine<T>::reserve(Workspace<T>& ws, int images, bool training) const {
  const std::size_t L = net_.layers.size();
  ws.capacity = images;
  ws.input.resize(static_cast<std::size_t>(images) * net_.input.size());
  ws.out.resize(L);
  ws.cols.resize(L);
  ws.argmax.resize(L);
  long max_act = net_.input.size(), max_cols = 0;
  for (std::size_t i = 0; i < L; ++i) {
    const Layer& l = net_.layers[i];
    max_act = std::max({max_act, l.in.size(), l.out.size()});
    if (l.type != LayerType::Flatten) ws.out[i].resize(static_cast<std::size_t>(images) * l.out.size());
    if (l.type == LayerType::Conv2d && !direct_conv(l)) {
      const long c = l.out.height * static_cast<long>(l.out.width) * l.reduction();
      ws.cols[i].resize(static_cast<std::size_t>(images) * c);
      max_cols = std::max(max_cols, c);
    }
    if (l.type == LayerType::MaxPool) {
      // argmax holds int32 indices into the slice's input.
      if (static_cast<double>(images) * l.in.size() > std::numeric_limits<std::int32_t>::max())
        throw std::length_error("cnn engine: slice of " + std::to_string(images) + " images of " +
                                to_string(l.in) + " is too large for layer " + l.name);
      ws.argmax[i].resize(static_cast<std::size_t>(images) * l.out.size());
    }
  }
  if (training) {
    for (auto& g : ws.grad) g.resize(static_cast<std::size_t>(images) * max_act);
    ws.dcols.resize(static_cast<std::size_t>(images) * max_cols);
  }
}

template <class T>
void Engine<T>::load(Workspace<T>& ws, const std::uint8_t* pixels, const long* index, int n, double scale,
                     int shift) const {
  const long size = net_.input.size();
  for (int k = 0; k < n; ++k) {
    const std::uint8_t* src = pixels + (index ? index[k] : k) * size;
    T* dst = ws.input.data() + static_cast<long>(k) * size;
    for (long j = 0; j < size; ++j) dst[j] = static_cast<T>((src[j] >> shift) * scale);
  }
}

template <class T>
const T* Engine<T>::output(const Workspace<T>& ws, int layer) const {
  while (layer >= 0 && net_.layers[layer].type == LayerType::Flatten) --layer;
  return layer < 0 ? ws.input.data() : ws.out[layer].data();
}

template <class T>
void Engine<T>::forward(const T* params, Workspace<T>& ws, int n, const EngineHooks<T>* hooks) const {
  const T* in = ws.input.data();
  for (std::size_t i = 0; i < net_.layers.size(); ++i) {
    const Layer& l = net_.layers[i];
    T* out = ws.out[i].data();
    const bool hooked = hooks && hooks->forward && l.type != LayerType::MaxPool && l.type != LayerType::Flatten;
    switch (l.type) {
      case LayerType::Conv2d: {
        const T* cols = in;
        if (!direct_conv(l)) {
          im2col(l, in, n, ws.cols[i].data());
          cols = ws.cols[i].data();
        }
        if (hooked && hooks->forward(static_cast<int>(i), n, in, out)) break;
        affine(cols, params + layout_.weight[i], params + layout_.bias[i],
               static_cast<long>(n) * l.out.height * l.out.width, l.reduction(), l.out_channels, out);
        break;
      }
      case LayerType::Dense:
        if (hooked && hooks->forward(static_cast<int>(i), n, in, out)) break;
        affine(in, params + layout_.weight[i], params + layout_.bias[i], n, l.in.size(), l.out_channels, out);
        break;
      case LayerType::Relu: {
        if (hooked && hooks->forward(static_cast<int>(i), n, in, out)) break;
        const long m = n * l.out.size();
        for (long j = 0; j < m; ++j) out[j] = in[j] > T(0) ? in[j] : T(0);
        break;
      }
      case LayerType::MaxPool:
        maxpool_forward(l, in, n, out, ws.argmax[i].data());
        break;
      case LayerType::Flatten:
        continue;  // same values, same order: `in` stays
    }
    in = out;
  }
}

template <class T>
void Engine<T>::loss(Workspace<T>& ws, const std::uint8_t* labels, int n, T grad_scale, double& loss_sum,
                     long& correct) const {
  const int classes = net_.classes();
  const T* z = logits(ws);
  T* g = ws.grad[0].data();
  for (int b = 0; b < n; ++b) {
    const T* zb = z + static_cast<long>(b) * classes;
    T* gb = g + static_cast<long>(b) * classes;
    const int best = argmax_row(zb, classes);
    if (best == labels[b]) ++correct;
    const T zmax = zb[best];
    T sum = 0;
    for (int c = 0; c < classes; ++c) {
      gb[c] = std::exp(zb[c] - zmax);
      sum += gb[c];
    }
    loss_sum += std::log(static_cast<double>(sum)) - static_cast<double>(zb[labels[b]] - zmax);
    const T inv = grad_scale / sum;
    for (int c = 0; c < classes; ++c) gb[c] *= inv;
    gb[labels[b]] -= grad_scale;
  }
}

template <class T>
void Engine<T>::backward(const T* params, Workspace<T>& ws, int n, T* grads, const EngineHooks<T>* hooks) const {
  const auto replaced = [&](int i, long rows, const T* cols, const T* g, T* dcols) {
    return hooks && hooks->weighted_backward &&
           hooks->weighted_backward(i, rows, cols, g, grads + layout_.weight[i], grads + layout_.bias[i], dcols);
  };
  int cur = 0;  // ws.grad[cur] holds d loss / d output of the layer being processed
  for (int i = static_cast<int>(net_.layers.size()) - 1; i >= 0; --i) {
    const Layer& l = net_.layers[i];
    const T* in = output(ws, i - 1);
    T* g = ws.grad[cur].data();
    T* dx = ws.grad[1 - cur].data();
    const bool need_dx = i > first_weighted_;
    switch (l.type) {
      case LayerType::Conv2d: {
        const long N = static_cast<long>(n) * l.out.height * l.out.width, R = l.reduction(), O = l.out_channels;
        const bool direct = direct_conv(l);
        const T* cols = direct ? in : ws.cols[i].data();
        T* dcols = direct ? dx : ws.dcols.data();
        const bool own = !replaced(i, N, cols, g, need_dx ? dcols : nullptr);
        if (own) affine_grads(cols, g, N, R, O, grads + layout_.weight[i], grads + layout_.bias[i]);
        if (need_dx) {
          if (own) MMap<T>(dcols, N, R).noalias() = CMap<T>(g, N, O) * CMap<T>(params + layout_.weight[i], O, R);
          if (!direct) col2im(l, dcols, n, dx);
          cur = 1 - cur;
        }
        break;
      }
      case LayerType::Dense: {
        const long R = l.in.size(), O = l.out_channels;
        const bool own = !replaced(i, n, in, g, need_dx ? dx : nullptr);
        if (own) affine_grads(in, g, n, R, O, grads + layout_.weight[i], grads + layout_.bias[i]);
        if (need_dx) {
          if (own) MMap<T>(dx, n, R).noalias() = CMap<T>(g, n, O) * CMap<T>(params + layout_.weight[i], O, R);
          cur = 1 - cur;
        }
        break;
      }
      case LayerType::Relu: {
        if (!need_dx) break;
        const T* out = ws.out[i].data();
        const long m = n * l.out.size();
        for (long j = 0; j < m; ++j)
          if (!(out[j] > T(0))) g[j] = T(0);
        break;
      }
      case LayerType::MaxPool: {
        if (!need_dx) break;
        std::fill(dx, dx + n * l.in.size(), T(0));
        const std::int32_t* arg = ws.argmax[i].data();
        const long m = n * l.out.size();
        for (long j = 0; j < m; ++j) dx[arg[j]] += g[j];
        cur = 1 - cur;
        break;
      }
      case LayerType::Flatten:
        break;
    }
  }
}

template class Engine<float>;
template class Engine<double>;

}  // namespace flowrun::cnn::train
