// trainer.lut_finetune: fine-tunes a float CNN through the int8 network
// with an approximate multiplier's product table; writes the float model
// (trainer.cnn's format, for quantizer.int8 and eval.lut), the curve and
// its plots, and the LUT accuracy before and after.
#include "data/spec_params.hpp"
#include "lut_finetune/lut_finetune.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

namespace flowrun::cnn {
namespace {

const char* kVersion = "1";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "trainer.lut_finetune";
  s.version = kVersion;
  s.summary = "Fine-tune a float CNN so its int8 network with an approximate multiplier's LUT classifies well";
  s.doc =
      "Hardware-aware fine-tuning. Every training step quantizes the current float weights exactly as\n"
      "quantizer.int8 did for `qmodel` (its recorded settings; activation ranges recalibrated on the same\n"
      "calibration images at the start of every epoch) and runs the int8 network forward with every\n"
      "product of the chosen layers (param layers; empty: all conv2d/dense) taken from the multiplier table\n"
      "`lut` (mapping as in eval.lut), int32 accumulation and requantization bit-exact with eval.lut. The\n"
      "loss is the cross-entropy of the dequantized int32 logits. Backward (param gradient): ste = the\n"
      "straight-through estimator, the exact-product gradient (d/dw = x, d/dx = w; rounding passes\n"
      "straight through, relu where the requantized output is > 0); lut_difference = the table's own\n"
      "slopes dLUT/da, dLUT/db from neighbouring table entries (central differences) for the table\n"
      "layers. The optimizer (adam or sgd with momentum 0.9) updates the float weights with learning_rate,\n"
      "constant or decayed to near 0 over all steps (param lr_schedule: cosine); batches are cut into\n"
      "slices as in trainer.cnn, so the model is byte-identical for the same inputs, seed and any thread\n"
      "count. After every epoch the float model is quantized like quantizer.int8 and classified with the\n"
      "LUT (test and val splits, param limit). Metrics: accuracy_before (the given qmodel with the LUT),\n"
      "accuracy_after (the int8 model of the fine-tuned model with the LUT), gain_points, exact_accuracy\n"
      "(the given qmodel without the LUT). See docs/approx-cnn.md.";
  s.inputs.push_back({"model", "model", "float CNN the qmodel was quantized from (trainer.cnn's model)", ""});
  s.inputs.push_back({"qmodel", "qmodel", "its int8 model from quantizer.int8 (settings and accuracy_before)", ""});
  s.inputs.push_back({"dataset", "images", "images artifact: train split trains and calibrates, test evaluates", ""});
  s.inputs.push_back({.name = "lut",
                      .type = "lut",
                      .doc = "multiplier table: approx.ga's lut/ folder or a 256x256 .csv / .bin file; none: exact",
                      .optional = true});
  s.outputs.push_back({"model", "model", "the fine-tuned float CNN (flowrun.cnn/1, as trainer.cnn writes)", "model/"});
  s.outputs.push_back({"curve", "table",
                       "epoch,train_loss,train_accuracy,val_accuracy,test_accuracy (train: through the LUT while "
                       "training; val/test: LUT int8 accuracy after the epoch; epoch 0: before)",
                       "curve.csv"});
  s.outputs.push_back({"plots", "plot", "the fine-tuning curve as plots for report.html", "plots/"});
  s.params = {
      param("epochs", ParamType::Int, 2, "passes over the (selected) train split", 0, 100000),
      param("learning_rate", ParamType::Float, 1e-4, "step size (fine-tuning: smaller than for training)", 1e-12,
            10.0),
      param("lr_schedule", ParamType::String, "constant",
            "learning rate over the steps: constant, or cosine (learning_rate * (1 + cos(pi t / T)) / 2 at step "
            "t of all T = epochs * batches steps: from learning_rate down to near 0)",
            std::nullopt, std::nullopt, {"constant", "cosine"}),
      param("optimizer", ParamType::String, "adam", "adam or sgd (momentum 0.9)", std::nullopt, std::nullopt,
            {"adam", "sgd"}),
      param("batch", ParamType::Int, 64, "images per optimizer step (the last batch may be smaller)", 1, 65536),
      param("seed", ParamType::Int, 1, "seed of the per-epoch shuffles", 0, std::nullopt),
      param("layers", ParamType::StringList, json::array(),
            "conv2d/dense layers that multiply through the table (names as in qmodel.json); empty: all"),
      param("mapping", ParamType::String, "signed",
            "how an int8 product maps onto the table: signed (T[w][x]) or sign_magnitude "
            "(sign(w)sign(x) U[|w|][|x|]); as in eval.lut",
            std::nullopt, std::nullopt, {"signed", "sign_magnitude"}),
      param("gradient", ParamType::String, "ste",
            "backward through the table products: ste (exact-product gradient) or lut_difference "
            "(dLUT/da, dLUT/db from neighbouring entries; slower: gathers instead of GEMMs)",
            std::nullopt, std::nullopt, {"ste", "lut_difference"}),
      param("train_images", ParamType::Int, 0,
            "train on this many training images, evenly spaced through the split; 0: all", 0, 1e9),
      param("limit", ParamType::Int, 0, "evaluate only the first `limit` test/val images; 0: all", 0, 1e9),
  };
  s.key_metrics = {"accuracy_before", "accuracy_after", "gain_points", "exact_accuracy"};
  return s;
}

std::string num(double v) {
  if (std::isnan(v)) return "";
  char b[64];
  auto [p, ec] = std::to_chars(b, b + sizeof b, v);
  return std::string(b, p);
}

class LutFinetune final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto model_dir = ctx.input("model");
    const auto q_dir = ctx.input("qmodel");
    const auto data_dir = ctx.input("dataset");
    ctx.progress(0, "reading the model, int8 model and images");
    const CnnModel start = read_model(model_dir);
    const QModel q0 = read_qmodel(q_dir);
    ImageSet data = read_images(data_dir);
    if (network_text(start.net) != network_text(q0.net) || !(start.net.input == q0.net.input))
      throw StageError("trainer.lut_finetune: " + q_dir.string() + " is not an int8 model of the network in " +
                       model_dir.string());
    if (!(data.shape == start.net.input))
      throw StageError("trainer.lut_finetune: " + data_dir.string() + " holds " + to_string(data.shape) +
                       " images but " + model_dir.string() + " expects " + to_string(start.net.input));
    if (data.classes != start.net.classes())
      throw StageError("trainer.lut_finetune: " + data_dir.string() + " has " + std::to_string(data.classes) +
                       " classes but " + model_dir.string() + " outputs " + std::to_string(start.net.classes()));
    if (data.train.count == 0 || data.test.count == 0)
      throw StageError("trainer.lut_finetune: " + data_dir.string() + " needs training and test images");

    lutft::FinetuneOptions o;
    o.quant = lutft::quantize_options_of(q0, "trainer.lut_finetune: " + (q_dir / "qmodel.json").string(),
                                         o.calibration_images);
    o.train.epochs = static_cast<int>(ctx.param<long>("epochs"));
    o.train.batch_size = static_cast<int>(ctx.param<long>("batch"));
    o.train.optimizer = ctx.param<std::string>("optimizer");
    o.train.learning_rate = ctx.param<double>("learning_rate");
    o.train.lr_schedule = ctx.param<std::string>("lr_schedule");
    o.train.seed = static_cast<std::uint64_t>(ctx.param<long>("seed"));
    o.train.threads = std::max(1, ctx.threads());
    o.gradient = ctx.param<std::string>("gradient") == "lut_difference" ? lutft::Gradient::LutDifference
                                                                         : lutft::Gradient::Ste;
    o.eval_images = ctx.param<long>("limit");
    const LutMapping mapping =
        parse_lut_mapping(ctx.param<std::string>("mapping"), "trainer.lut_finetune: param mapping");
    const auto layers = ctx.param<std::vector<std::string>>("layers");
    const MultiplierTable mt = ctx.has_input("lut") ? read_multiplier_table(ctx.input("lut"), mapping)
                                                    : exact_multiplier_table(mapping);
    const ProductTable table = effective_table(mt, mapping, layers);
    // Calibration uses the full train split (as quantizer.int8 did); only
    // the images trained on may be fewer.
    ImageSet train_set = data;
    train_set.train = quant::evenly_spaced(data.train, data.image_size(), ctx.param<long>("train_images"));
    o.calibration_split = &data.train;
    const int threads = o.train.threads;

    ctx.progress(0.02, "LUT accuracy of the given int8 model");
    const ProductTable exact = effective_table(exact_multiplier_table(mapping), mapping, layers);
    const double before = lutft::lut_accuracy(q0, table, data.test, o.eval_images, threads);
    const double exact_acc = lutft::lut_accuracy(q0, exact, data.test, o.eval_images, threads);
    ctx.info("before fine-tuning: LUT accuracy " + num(before) + ", exact int8 " + num(exact_acc));

    train::TrainHooks hooks;
    hooks.cancelled = [&] { return ctx.cancelled(); };
    const double epochs = std::max(1, o.train.epochs);
    hooks.batch = [&](int epoch, long b, long batches, double loss, double acc) {
      if (b % 20 != 0 && b != batches) return;
      char line[160];
      std::snprintf(line, sizeof line, "epoch %d/%d batch %ld/%ld loss %.4f LUT accuracy %.4f", epoch,
                    o.train.epochs, b, batches, loss, acc);
      ctx.progress(0.05 + 0.9 * (epoch - 1 + static_cast<double>(b) / batches) / epochs, line);
    };
    hooks.epoch = [&](const train::EpochStats& st) {
      char line[256];
      std::snprintf(line, sizeof line, "epoch %d/%d: train loss %.4f LUT accuracy %.4f, test LUT int8 accuracy %s "
                    "(%.2f s training, %.2f s evaluation)",
                    st.epoch, o.train.epochs, st.train_loss, st.train_accuracy,
                    st.test_accuracy ? num(*st.test_accuracy).c_str() : "-", st.seconds, st.eval_seconds);
      ctx.info(line);
    };
    lutft::FinetuneResult r = lutft::finetune(start, train_set, table, o, hooks);
    // The last epoch evaluated exactly this int8 model on the test images.
    const double after = r.curve.empty() || !r.curve.back().test_accuracy
                             ? lutft::lut_accuracy(r.qmodel, table, data.test, o.eval_images, threads)
                             : *r.curve.back().test_accuracy;

    CnnModel& model = r.model;
    model.metrics = {{"accuracy_before", before},
                     {"accuracy_after", after},
                     {"gain_points", 100.0 * (after - before)},
                     {"exact_accuracy", exact_acc},
                     {"epochs", o.train.epochs},
                     {"train_images", train_set.train.count},
                     {"test_images", o.eval_images > 0 ? std::min(o.eval_images, data.test.count) : data.test.count}};
    model.source = {{"stage", std::string("trainer.lut_finetune/") + kVersion},
                    {"model_sha256", ctx.input_sha256("model")},
                    {"qmodel_sha256", ctx.input_sha256("qmodel")},
                    {"dataset_sha256", ctx.input_sha256("dataset")},
                    {"lut_sha256", ctx.has_input("lut") ? ctx.input_sha256("lut") : std::string("exact")},
                    {"mapping", to_string(mapping)},
                    {"layers", layers},
                    {"gradient", ctx.param<std::string>("gradient")},
                    {"epochs", o.train.epochs},
                    {"batch_size", o.train.batch_size},
                    {"optimizer", o.train.optimizer},
                    {"learning_rate", o.train.learning_rate},
                    {"lr_schedule", o.train.lr_schedule},
                    {"seed", ctx.param<long>("seed")}};
    write_model(model, ctx.output("model"));
    write_curve(before, r.curve, ctx.output("curve"), ctx.output("plots"));

    for (auto it = model.metrics.begin(); it != model.metrics.end(); ++it) ctx.metric(it.key(), it.value());
    double train_s = 0;
    for (const auto& st : r.curve) train_s += st.seconds;
    ctx.metric("seconds_per_epoch", train_s / std::max<std::size_t>(1, r.curve.size()));
    ctx.metric("threads", threads);
    char line[200];
    std::snprintf(line, sizeof line, "LUT int8 test accuracy %.4f -> %.4f (%+.2f points; exact int8 %.4f)", before,
                  after, 100.0 * (after - before), exact_acc);
    ctx.info(line);
  }

 private:
  // curve.csv with an epoch-0 row (the given int8 model), and its plots.
  static void write_curve(double before, const std::vector<train::EpochStats>& curve, const fs::path& csv_path,
                          const fs::path& plot_dir) {
    const double gap = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> epoch{0}, loss{gap}, train{gap}, val{gap}, test{before};
    for (const auto& st : curve) {
      epoch.push_back(st.epoch);
      loss.push_back(st.train_loss);
      train.push_back(st.train_accuracy);
      val.push_back(st.val_accuracy.value_or(gap));
      test.push_back(st.test_accuracy.value_or(gap));
    }
    std::ofstream csv(csv_path, std::ios::trunc);
    csv << "epoch,train_loss,train_accuracy,val_accuracy,test_accuracy\n";
    for (std::size_t i = 0; i < epoch.size(); ++i)
      csv << num(epoch[i]) << ',' << num(loss[i]) << ',' << num(train[i]) << ',' << num(val[i]) << ','
          << num(test[i]) << '\n';
    if (!csv.flush()) throw StageError(csv_path.string() + ": write failed");
    Plot::line("LUT fine-tuning: loss", "epoch", "mean cross-entropy through the LUT")
        .add_series("train", epoch, loss)
        .write(plot_dir / "loss.json");
    Plot::line("LUT fine-tuning: accuracy", "epoch", "accuracy")
        .add_series("train (through the LUT, while training)", epoch, train)
        .add_series("val (LUT int8)", epoch, val)
        .add_series("test (LUT int8)", epoch, test)
        .write(plot_dir / "accuracy.json");
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::LutFinetune)
