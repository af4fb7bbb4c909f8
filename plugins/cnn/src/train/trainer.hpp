// Mini-batch training of a Network on an ImageSet (the core of trainer.cnn).
//
// Data parallelism that does not change the numbers: every batch is cut
// into a fixed number of slices that depends only on the batch size
// (slices_for_batch), each slice's forward/backward writes its own gradient
// buffer, and the buffers are summed in slice order inside the optimizer
// step. Which thread runs which slice does not matter, so the trained
// model is byte-identical for any thread count.
#pragma once

#include "train/engine.hpp"
#include "train/thread_pool.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowrun::cnn::train {

struct TrainOptions {
  int epochs = 10;
  int batch_size = 64;
  std::string optimizer = "adam";  // "adam" or "sgd" (with momentum)
  double learning_rate = 1e-3;
  // "constant": learning_rate at every step; "cosine": learning_rate *
  // (1 + cos(pi * (t - 1) / T)) / 2 at step t = 1..T of all T = epochs *
  // batches steps (learning_rate_at), from the full rate down to near 0.
  std::string lr_schedule = "constant";
  double momentum = 0.9;           // sgd only
  double weight_decay = 0;         // L2: weight_decay * w added to every gradient
  std::uint64_t seed = 1;
  int threads = 1;
  // The engine's input is (pixel >> input_shift) * input_scale (the int8
  // model's input for fine-tuning through it; trainer.cnn: pixel / 255).
  int input_shift = 0;
  double input_scale = 1.0 / 255.0;
};

struct EpochStats {
  int epoch = 0;
  double train_loss = 0;      // mean cross-entropy over the epoch's batches, as trained
  double train_accuracy = 0;  // fraction of training images classified right while training
  std::optional<double> val_accuracy, test_accuracy;  // empty when the split is empty
  double seconds = 0;       // training only: shuffle, forward, backward, optimizer
  double eval_seconds = 0;  // inference over val and test after the epoch
};

struct TrainHooks {
  // After every batch: running mean loss and accuracy of the epoch so far.
  std::function<void(int epoch, long batch, long batches, double loss, double accuracy)> batch;
  std::function<void(const EpochStats&)> epoch;
  std::function<bool()> cancelled;
  // Training through another arithmetic (trainer.lut_finetune), all empty
  // for plain float training:
  // before every batch, the parameters the forward and backward passes use
  // in place of the current ones (the optimizer still updates the current
  // ones: a straight-through estimator for whatever maps one to the other);
  std::function<const float*(int epoch, long batch, const float* params)> batch_params;
  // the engine hooks of worker w (engine.hpp);
  std::function<const EngineHooks<float>*(int worker)> engine_hooks;
  // after every epoch, in place of the float val/test accuracy: fills
  // st.val_accuracy / st.test_accuracy for the current parameters.
  std::function<void(const float* params, EpochStats& st)> evaluate;
};

struct TrainResult {
  CnnModel model;  // net, params, input_scale; metrics/source left for the caller
  std::vector<EpochStats> curve;
};

// The learning rate of optimizer step `step` (1-based) of `total_steps`
// under opt.lr_schedule; throws StageError for an unknown schedule.
double learning_rate_at(const TrainOptions& opt, long step, long total_steps);

// Slices per batch of `batch` images: ceil(batch / 32), at most 8.
int slices_for_batch(int batch);

// He (Kaiming) uniform initialisation from `seed`: weights of a layer
// followed by relu ~ U(-sqrt(6/fan_in), +sqrt(6/fan_in)), the logits layer
// U(-sqrt(3/fan_in), +sqrt(3/fan_in)); biases 0.
Buf<float> init_params(const Network& net, const ParamLayout& layout, std::uint64_t seed);
CnnModel to_model(const Network& net, const ParamLayout& layout, const float* params, double input_scale);
Buf<float> flat_params(const CnnModel& model, const ParamLayout& layout);

// Logits (count x classes) of `count` images; fixed slices of 64 images so
// the numbers do not depend on the thread count. `activations` as in
// float_forward().
std::vector<float> infer(const Engine<float>& engine, const float* params, const std::uint8_t* pixels, long count,
                         double input_scale, ThreadPool& pool,
                         std::vector<std::vector<float>>* activations = nullptr);
double accuracy(const std::vector<float>& logits, const std::vector<std::uint8_t>& labels, int classes);

// Starts from He-uniform weights, or from `start` (a model of this
// network) when given; the result's input_scale is start's, else
// opt.input_scale.
TrainResult train_cnn(const Network& net, const ImageSet& data, const TrainOptions& opt,
                      const TrainHooks& hooks = {}, const CnnModel* start = nullptr);

}  // namespace flowrun::cnn::train
