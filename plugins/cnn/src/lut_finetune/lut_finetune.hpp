// Fine-tuning a float CNN so that its int8 network with an approximate
// multiplier's product table classifies well (trainer.lut_finetune).
//
// The training loop is trainer.cnn's (train_cnn: slices, optimizers,
// shuffles, thread-count independent results) with the LutTrainingPass as
// its forward/backward; the quantization is quantizer.int8's with the
// settings the given qmodel was made with; the accuracy is LutEngine's on
// the int8 model that quantizer.int8 would make of the float model.
#pragma once

#include "lut_finetune/lut_training_pass.hpp"
#include "quant/quantize.hpp"
#include "train/trainer.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/model.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <vector>

namespace flowrun::cnn::lutft {

struct FinetuneOptions {
  train::TrainOptions train;  // epochs, batch_size, optimizer, learning_rate, seed, threads
  Gradient gradient = Gradient::Ste;
  quant::QuantizeOptions quant;  // how the int8 model is made (threads: train.threads)
  long calibration_images = 2000;
  // The split calibrated on, evenly spaced like quantizer.int8 (null: the
  // train split trained on; set it when training on a subset).
  const ImageSplit* calibration_split = nullptr;
  long eval_images = 0;  // test (and val) images evaluated after every epoch; 0: all
};

// quantizer.int8's settings as recorded in a qmodel's source (and its
// input_shift); throws StageError naming `what` when they are missing.
quant::QuantizeOptions quantize_options_of(const QModel& q, const std::string& what, long& calibration_images);

// The fraction of the first `limit` images of `split` (0: all) that the
// int8 model classifies right with the product table.
double lut_accuracy(const QModel& q, const ProductTable& table, const ImageSplit& split, long limit, int threads);

// The int8 model quantizer.int8 makes of `model` with these options.
QModel quantize_like_quantizer(const CnnModel& model, const ImageSet& data, const FinetuneOptions& o);

struct FinetuneResult {
  CnnModel model;                       // the fine-tuned float model (metrics/source left to the caller)
  QModel qmodel;                        // its int8 model
  std::vector<train::EpochStats> curve; // train loss/accuracy through the LUT; val/test: LUT int8 accuracy
};

// Fine-tunes `start` on data.train. `hooks` may carry batch / epoch /
// cancelled callbacks (the LUT ones are set here).
FinetuneResult finetune(const CnnModel& start, const ImageSet& data, const ProductTable& table,
                        const FinetuneOptions& o, train::TrainHooks hooks = {});

}  // namespace flowrun::cnn::lutft
