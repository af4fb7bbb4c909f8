// The training loop, optimizers and batched inference (see trainer.hpp).
#include "train/trainer.hpp"

#include "data/rng.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace flowrun::cnn::train {
namespace {

constexpr int kSliceImages = 32;
constexpr int kMaxSlices = 8;
constexpr int kInferSlice = 64;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Slice k of a batch of B images cut into S near-equal parts.
long slice_begin(int B, int S, int k) { return static_cast<long>(k) * (B / S) + std::min(k, B % S); }
int slice_size(int B, int S, int k) { return B / S + (k < B % S ? 1 : 0); }

// Adam (Kingma & Ba, with PyTorch's update form) or SGD with momentum;
// both take the gradient as the in-order sum of the slice gradients.
class Optimizer {
 public:
  Optimizer(const TrainOptions& o, long n) : o_(o), m_(n, 0.0f), v_(o.optimizer == "adam" ? n : 0, 0.0f) {}

  // `lr`: this step's learning rate (learning_rate_at).
  void begin_step(double lr) {
    ++t_;
    lr_ = static_cast<float>(lr);
    if (o_.optimizer == "adam") {
      const double bc1 = 1 - std::pow(kBeta1, static_cast<double>(t_));
      const double bc2 = 1 - std::pow(kBeta2, static_cast<double>(t_));
      step_size_ = static_cast<float>(lr / bc1);
      inv_sqrt_bc2_ = static_cast<float>(1 / std::sqrt(bc2));
    }
  }

  void update(float* w, const std::vector<Buf<float>>& grads, int slices, long begin, long end) {
    const float wd = static_cast<float>(o_.weight_decay);
    const float lr = lr_, mom = static_cast<float>(o_.momentum);
    const float b1 = static_cast<float>(kBeta1), b2 = static_cast<float>(kBeta2), eps = static_cast<float>(kEps);
    float* m = m_.data();
    float* v = v_.data();
    constexpr long kBlock = 1024;  // sum the slices block by block while it is in L1
    float g[kBlock];
    for (long b0 = begin; b0 < end; b0 += kBlock) {
      const long b1e = std::min(end, b0 + kBlock), len = b1e - b0;
      std::copy_n(grads[0].data() + b0, len, g);
      for (int s = 1; s < slices; ++s) {
        const float* gs = grads[s].data() + b0;
        for (long j = 0; j < len; ++j) g[j] += gs[j];
      }
      if (wd != 0)
        for (long j = 0; j < len; ++j) g[j] += wd * w[b0 + j];
      if (v_.empty()) {
        for (long j = 0; j < len; ++j) {
          float& mj = m[b0 + j];
          mj = mom * mj + g[j];
          w[b0 + j] -= lr * mj;
        }
      } else {
        for (long j = 0; j < len; ++j) {
          const long i = b0 + j;
          m[i] = b1 * m[i] + (1 - b1) * g[j];
          v[i] = b2 * v[i] + (1 - b2) * g[j] * g[j];
          w[i] -= step_size_ * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2_ + eps);
        }
      }
    }
  }

 private:
  static constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
  TrainOptions o_;
  Buf<float> m_, v_;
  long t_ = 0;
  float lr_ = 0, step_size_ = 0, inv_sqrt_bc2_ = 1;
};

}  // namespace

double learning_rate_at(const TrainOptions& opt, long step, long total_steps) {
  if (opt.lr_schedule == "constant") return opt.learning_rate;
  if (opt.lr_schedule == "cosine") {
    if (total_steps <= 1) return opt.learning_rate;
    const double progress = static_cast<double>(std::clamp(step, 1L, total_steps) - 1) / static_cast<double>(total_steps);
    return opt.learning_rate * 0.5 * (1 + std::cos(3.14159265358979323846 * progress));
  }
  throw StageError("trainer: lr_schedule must be constant or cosine, got '" + opt.lr_schedule + "'");
}

int slices_for_batch(int batch) {
  return std::clamp((batch + kSliceImages - 1) / kSliceImages, 1, kMaxSlices);
}

Buf<float> init_params(const Network& net, const ParamLayout& layout, std::uint64_t seed) {
  Buf<float> p(layout.total, 0.0f);
  Rng rng(seed);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    const bool relu_next = i + 1 < net.layers.size() && net.layers[i + 1].type == LayerType::Relu;
    const double bound = std::sqrt((relu_next ? 6.0 : 3.0) / static_cast<double>(l.reduction()));
    float* w = p.data() + layout.weight[i];
    for (long j = 0; j < l.weight_count(); ++j) w[j] = static_cast<float>(rng.uniform(-bound, bound));
  }
  return p;
}

CnnModel to_model(const Network& net, const ParamLayout& layout, const float* params, double input_scale) {
  CnnModel m;
  m.net = net;
  m.input_scale = input_scale;
  m.params.resize(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    m.params[i].weight.assign(params + layout.weight[i], params + layout.weight[i] + l.weight_count());
    m.params[i].bias.assign(params + layout.bias[i], params + layout.bias[i] + l.out_channels);
  }
  return m;
}

Buf<float> flat_params(const CnnModel& model, const ParamLayout& layout) {
  Buf<float> p(layout.total, 0.0f);
  if (model.params.size() != model.net.layers.size())
    throw StageError("cnn model: " + std::to_string(model.params.size()) + " parameter sets for " +
                     std::to_string(model.net.layers.size()) + " layers");
  for (std::size_t i = 0; i < model.net.layers.size(); ++i) {
    const Layer& l = model.net.layers[i];
    if (!l.has_weights()) continue;
    const auto& lp = model.params[i];
    if (static_cast<long>(lp.weight.size()) != l.weight_count() || static_cast<long>(lp.bias.size()) != l.out_channels)
      throw StageError("cnn model: layer " + l.name + " has " + std::to_string(lp.weight.size()) + " weights and " +
                       std::to_string(lp.bias.size()) + " biases, expected " + std::to_string(l.weight_count()) +
                       " and " + std::to_string(l.out_channels));
    std::copy(lp.weight.begin(), lp.weight.end(), p.begin() + layout.weight[i]);
    std::copy(lp.bias.begin(), lp.bias.end(), p.begin() + layout.bias[i]);
  }
  return p;
}

std::vector<float> infer(const Engine<float>& engine, const float* params, const std::uint8_t* pixels, long count,
                         double input_scale, ThreadPool& pool, std::vector<std::vector<float>>* activations) {
  const Network& net = engine.net();
  const int classes = net.classes();
  std::vector<float> logits(static_cast<std::size_t>(count) * classes);
  if (activations) {
    activations->assign(net.layers.size(), {});
    for (std::size_t i = 0; i < net.layers.size(); ++i)
      (*activations)[i].resize(static_cast<std::size_t>(count) * net.layers[i].out.size());
  }
  if (count <= 0) return logits;
  std::vector<Workspace<float>> ws(pool.size());
  const long slices = (count + kInferSlice - 1) / kInferSlice;
  const long image = net.input.size();
  pool.run(static_cast<int>(slices), [&](int s, int w) {
    Workspace<float>& wk = ws[w];
    if (wk.capacity == 0) engine.reserve(wk, kInferSlice, false);
    const long first = static_cast<long>(s) * kInferSlice;
    const int n = static_cast<int>(std::min<long>(kInferSlice, count - first));
    engine.load(wk, pixels + first * image, nullptr, n, input_scale);
    engine.forward(params, wk, n);
    const float* z = engine.logits(wk);
    std::copy(z, z + static_cast<long>(n) * classes, logits.begin() + first * classes);
    if (activations)
      for (std::size_t i = 0; i < net.layers.size(); ++i) {
        const long sz = net.layers[i].out.size();
        const float* a = engine.output(wk, static_cast<int>(i));
        std::copy(a, a + n * sz, (*activations)[i].begin() + first * sz);
      }
  });
  return logits;
}

double accuracy(const std::vector<float>& logits, const std::vector<std::uint8_t>& labels, int classes) {
  if (labels.empty()) return 0;
  long right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (argmax_row(logits.data() + i * classes, classes) == labels[i]) ++right;
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

TrainResult train_cnn(const Network& net, const ImageSet& data, const TrainOptions& opt, const TrainHooks& hooks,
                      const CnnModel* start) {
  if (!(net.input == data.shape))
    throw StageError("trainer: the network input is " + to_string(net.input) + " but the images are " +
                     to_string(data.shape));
  if (net.classes() != data.classes)
    throw StageError("trainer: the last layer has " + std::to_string(net.classes()) + " outputs but the data set has " +
                     std::to_string(data.classes) + " classes");
  if (data.train.count < 1) throw StageError("trainer: the train split is empty");
  if (opt.optimizer != "adam" && opt.optimizer != "sgd")
    throw StageError("trainer: optimizer must be adam or sgd, got '" + opt.optimizer + "'");
  if (opt.batch_size < 1 || opt.epochs < 0) throw StageError("trainer: batch_size must be >= 1 and epochs >= 0");
  learning_rate_at(opt, 1, 1);  // an unknown schedule is an error before any work

  const double scale = opt.input_scale;
  const Engine<float> engine(net);
  const ParamLayout& layout = engine.layout();
  if (start && !(start->net.input == net.input && network_text(start->net) == network_text(net)))
    throw StageError("trainer: the starting model is a different network");
  Buf<float> params = start ? flat_params(*start, layout) : init_params(net, layout, opt.seed);
  // A separate stream for the epoch shuffles, so a change of initialisation
  // code does not change the data order and vice versa.
  Rng order_rng(opt.seed ^ 0x9e3779b97f4a7c15ULL);

  ThreadPool pool(std::max(1, opt.threads));
  // Batches are full except maybe the last one; size the buffers for both.
  int max_slices = 0, capacity = 0;
  for (long B : {std::min<long>(opt.batch_size, data.train.count), data.train.count % opt.batch_size}) {
    if (B == 0) continue;
    const int S = slices_for_batch(static_cast<int>(B));
    max_slices = std::max(max_slices, S);
    capacity = std::max(capacity, slice_size(static_cast<int>(B), S, 0));
  }
  std::vector<Workspace<float>> ws(pool.size());
  for (auto& w : ws) engine.reserve(w, capacity, true);
  std::vector<Buf<float>> grads(max_slices, Buf<float>(layout.total, 0.0f));
  std::vector<double> slice_loss(max_slices);
  std::vector<long> slice_correct(max_slices);
  std::vector<std::vector<std::uint8_t>> slice_labels(max_slices, std::vector<std::uint8_t>(capacity));
  Optimizer optimizer(opt, layout.total);

  const long n = data.train.count;
  const long batches = (n + opt.batch_size - 1) / opt.batch_size;
  const long total_steps = batches * opt.epochs;
  std::vector<long> perm(n);
  TrainResult result;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) perm[i] = i;
    order_rng.shuffle(perm);
    double loss_sum = 0;
    long correct = 0, seen = 0;
    for (long b = 0; b < batches; ++b) {
      if (hooks.cancelled && hooks.cancelled()) throw StageError("trainer: cancelled");
      const long first = b * opt.batch_size;
      const int B = static_cast<int>(std::min<long>(opt.batch_size, n - first));
      const int S = slices_for_batch(B);
      const float grad_scale = 1.0f / static_cast<float>(B);  // mean loss over the batch
      const float* used = hooks.batch_params ? hooks.batch_params(epoch, b + 1, params.data()) : params.data();
      pool.run(S, [&](int k, int w) {
        const long* idx = perm.data() + first + slice_begin(B, S, k);
        const int m = slice_size(B, S, k);
        const EngineHooks<float>* eh = hooks.engine_hooks ? hooks.engine_hooks(w) : nullptr;
        for (int j = 0; j < m; ++j) slice_labels[k][j] = data.train.labels[idx[j]];
        engine.load(ws[w], data.train.pixels.data(), idx, m, scale, opt.input_shift);
        engine.forward(used, ws[w], m, eh);
        slice_loss[k] = 0;
        slice_correct[k] = 0;
        engine.loss(ws[w], slice_labels[k].data(), m, grad_scale, slice_loss[k], slice_correct[k]);
        engine.backward(used, ws[w], m, grads[k].data(), eh);
      });
      for (int k = 0; k < S; ++k) {
        loss_sum += slice_loss[k];
        correct += slice_correct[k];
      }
      seen += B;
      if (!std::isfinite(loss_sum))
        throw StageError("trainer: training diverged in epoch " + std::to_string(epoch) + ", batch " +
                         std::to_string(b + 1) + " (the loss is not finite); lower learning_rate");
      optimizer.begin_step(learning_rate_at(opt, (epoch - 1) * batches + b + 1, total_steps));
      const int parts = pool.size();
      pool.run(parts, [&](int p, int) {
        const long lo = layout.total * p / parts, hi = layout.total * (p + 1) / parts;
        optimizer.update(params.data(), grads, S, lo, hi);
      });
      if (hooks.batch) hooks.batch(epoch, b + 1, batches, loss_sum / seen, static_cast<double>(correct) / seen);
    }
    EpochStats st;
    st.epoch = epoch;
    st.seconds = since(t0);
    st.train_loss = loss_sum / n;
    st.train_accuracy = static_cast<double>(correct) / n;
    const auto t1 = Clock::now();
    if (hooks.evaluate) {
      hooks.evaluate(params.data(), st);
    } else {
      if (data.val.count > 0)
        st.val_accuracy = accuracy(infer(engine, params.data(), data.val.pixels.data(), data.val.count, scale, pool),
                                   data.val.labels, net.classes());
      if (data.test.count > 0)
        st.test_accuracy = accuracy(infer(engine, params.data(), data.test.pixels.data(), data.test.count, scale,
                                          pool),
                                    data.test.labels, net.classes());
    }
    st.eval_seconds = since(t1);
    result.curve.push_back(st);
    if (hooks.epoch) hooks.epoch(st);
  }
  result.model = to_model(net, layout, params.data(), start ? start->input_scale : scale);
  return result;
}

}  // namespace flowrun::cnn::train

namespace flowrun::cnn {

std::vector<float> float_forward(const CnnModel& model, const std::uint8_t* pixels, long count, int threads,
                                 std::vector<std::vector<float>>* activations) {
  const train::Engine<float> engine(model.net);
  const auto params = train::flat_params(model, engine.layout());
  train::ThreadPool pool(std::max(1, threads));
  return train::infer(engine, params.data(), pixels, count, model.input_scale, pool, activations);
}

}  // namespace flowrun::cnn
