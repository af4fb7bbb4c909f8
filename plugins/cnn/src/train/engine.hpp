// The float CNN engine: forward and backward passes of a Network over a
// slice of images, on one thread, with every GEMM-shaped step (conv via
// im2col, dense) done by Eigen's blocked GEMM on the whole slice at once.
//
// All parameters live in one flat vector (ParamLayout gives each layer's
// offsets) so optimizers and gradient reductions are single loops.
// Activations are channel-last (network.hpp): a conv output for a slice of
// n images is the row-major matrix [n*Ho*Wo][Cout], which is exactly what
// im2col-rows x weights^T produces, so no transposes are needed anywhere.
//
// Templated on the scalar: float for training and inference, double for
// the finite-difference gradient checks in the tests.
#pragma once

#include <flowrun_cnn/network.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <vector>

namespace flowrun::cnn::train {

template <class T>
using Buf = std::vector<T, Eigen::aligned_allocator<T>>;

// Offsets of each layer's weight and bias in the flat parameter vector;
// -1 for layers without. Offsets are multiples of 16 values (64 bytes) so
// every tensor starts cache-line aligned.
struct ParamLayout {
  std::vector<long> weight, bias;
  long total = 0;
  explicit ParamLayout(const Network& net);
};

// Per-thread scratch for one slice of up to `capacity` images.
template <class T>
struct Workspace {
  int capacity = 0;
  Buf<T> input;                          // capacity * input size
  std::vector<Buf<T>> out;               // per layer; empty for flatten (aliases its input)
  std::vector<Buf<T>> cols;              // per conv layer that needs im2col
  std::vector<std::vector<std::int32_t>> argmax;  // per maxpool: input index of each output
  Buf<T> grad[2];                        // ping-pong activation gradients
  Buf<T> dcols;                          // conv input gradient in im2col form
};

// Ways for a caller to run the engine on a network whose layers compute
// something else than float arithmetic (trainer.lut_finetune: the int8
// network with table products), while the engine keeps doing everything
// the float network and its backward pass share (im2col, pooling, loss,
// the chain of gradients). Both hooks return false to keep the engine's
// own step for that layer.
template <class T>
struct EngineHooks {
  // Computes layer `layer`'s output `out` for n images of input `in` in
  // place of the engine (a conv layer's im2col rows are already built;
  // never called for maxpool and flatten).
  std::function<bool(int layer, int n, const T* in, T* out)> forward;
  // Replaces the gradient products of a conv2d/dense layer: `rows` rows of
  // the layer's input in matrix form (im2col rows for conv, [rows][R]) and
  // of the output gradient g ([rows][O]); writes dw [O][R], db [O] and,
  // when dcols is not null, the input gradient in the same matrix form.
  std::function<bool(int layer, long rows, const T* cols, const T* g, T* dw, T* db, T* dcols)> weighted_backward;
};

template <class T>
class Engine {
 public:
  explicit Engine(const Network& net);
  const Network& net() const { return net_; }
  const ParamLayout& layout() const { return layout_; }

  // Sizes ws for slices of up to `images` images; `training` adds the
  // buffers backward() needs.
  void reserve(Workspace<T>& ws, int images, bool training) const;
  // Input of a slice: image k is pixels[index ? index[k] : k] (channel-last
  // bytes),   // converted to (pixel >> shift) * scale.
  void load(Workspace<T>& ws, const std::uint8_t* pixels, const long* index, int n, double scale,
            int shift = 0) const;
  void forward(const T* params, Workspace<T>& ws, int n, const EngineHooks<T>* hooks = nullptr) const;
  // Output of layer i for the slice (flatten returns its input).
  const T* output(const Workspace<T>& ws, int layer) const;
  const T* logits(const Workspace<T>& ws) const { return output(ws, static_cast<int>(net_.layers.size()) - 1); }
  // Softmax cross-entropy of the logits against labels[0..n): adds the
  // summed loss and the number of correct argmax predictions, and stores
  // d(loss_sum * grad_scale)/d(logits) for backward().
  void loss(Workspace<T>& ws, const std::uint8_t* labels, int n, T grad_scale, double& loss_sum,
            long& correct) const;
  // Gradient of the loss given to loss() with respect to every parameter,
  // written (not added) to grads[0..layout().total).
  void backward(const T* params, Workspace<T>& ws, int n, T* grads, const EngineHooks<T>* hooks = nullptr) const;

 private:
  Network net_;
  ParamLayout layout_;
  int first_weighted_ = 0;  // no input gradient is needed at or below this layer
};

// Argmax of each row of logits (ties: the lowest class, as the integer
// model and the hardware do).
template <class T>
int argmax_row(const T* row, int classes) {
  int best = 0;
  for (int c = 1; c < classes; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

extern template class Engine<float>;
extern template class Engine<double>;

}  // namespace flowrun::cnn::train
