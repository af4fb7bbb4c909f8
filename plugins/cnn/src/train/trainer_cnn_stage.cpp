// trainer.cnn: trains the float CNN described by `layers` on an images
// artifact; writes the model artifact and the learning curve.
#include "data/spec_params.hpp"
#include "train/trainer.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>

#include <flowrun/sdk.hpp>

#include <charconv>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>

namespace flowrun::cnn {
namespace {

const std::vector<std::string>& default_layers() {
  static const std::vector<std::string> l = {"conv2d 16 kernel=3 padding=1", "relu", "maxpool 2",
                                             "conv2d 32 kernel=3 padding=1", "relu", "maxpool 2",
                                             "flatten",                      "dense 128", "relu",
                                             "dense 10"};
  return l;
}

StageSpec make_spec() {
  StageSpec s;
  s.kind = "trainer.cnn";
  s.version = "2";  // 2: plots (the learning curve for report.html)
  s.summary = "Train a float CNN (conv2d / relu / maxpool / dense) on an images artifact";
  s.doc =
      "Mini-batch training with softmax cross-entropy (mean over the batch), Adam (beta1 0.9, beta2 0.999,\n"
      "eps 1e-8, PyTorch's update form) or SGD with momentum; weight_decay adds weight_decay*w to every\n"
      "gradient (biases included). Inputs are pixel/255. He-uniform initialisation from `seed`, a fresh\n"
      "seeded shuffle of the train split every epoch, the last partial batch kept.\n"
      "Every batch is cut into ceil(batch/32) (at most 8) slices that are computed in parallel on\n"
      "ctx.threads() threads and whose gradients are summed in slice order, so the model is\n"
      "byte-identical for the same inputs whatever the thread count. Convolutions are im2col + GEMM\n"
      "(Eigen, float32), channel-last (network.hpp).\n"
      "After every epoch the val and test splits are classified; curve.csv has one row per epoch\n"
      "(epoch,train_loss,train_accuracy,val_accuracy,test_accuracy; an empty split leaves its cell\n"
      "empty). Timings go to metrics and the log only, so artifacts are reproducible.\n"
      "See docs/cnn-training.md.";
  s.inputs.push_back({"dataset", "images", "images artifact (dataset.idx)", ""});
  s.outputs.push_back({"model", "model", "float CNN (model.json + float32 tensors, format flowrun.cnn/1)", "model/"});
  s.outputs.push_back({"curve", "table", "learning curve, one row per epoch", "curve.csv"});
  s.outputs.push_back({"plots", "plot", "the learning curve as plots for report.html: loss and accuracy per epoch",
                       "plots/"});
  s.params = {
      param("layers", ParamType::StringList, default_layers(),
            "the network, one layer per item: 'conv2d OUT kernel=K [stride=S] [padding=P]', 'relu', "
            "'maxpool K [stride=S]', 'flatten', 'dense OUT'; the last dense layer has one output per class"),
      param("epochs", ParamType::Int, 10, "passes over the train split", 0, 100000),
      param("batch_size", ParamType::Int, 64, "images per optimizer step (the last batch may be smaller)", 1, 65536),
      param("optimizer", ParamType::String, "adam", "adam or sgd (sgd uses momentum)", std::nullopt, std::nullopt,
            {"adam", "sgd"}),
      param("learning_rate", ParamType::Float, 1e-3, "step size", 1e-12, 10.0),
      param("momentum", ParamType::Float, 0.9, "SGD momentum (v = momentum*v + g; w -= learning_rate*v)", 0.0, 0.9999),
      param("weight_decay", ParamType::Float, 0.0, "L2 penalty: weight_decay*w is added to the gradient", 0.0, 1.0),
      param("seed", ParamType::Int, 1, "seed of the initial weights and of the per-epoch shuffles", 0, std::nullopt),
  };
  s.key_metrics = {"test_accuracy", "val_accuracy", "train_accuracy", "seconds_per_epoch"};
  return s;
}

// Shortest round-trip text of a double: the same value always prints the
// same, so curve.csv is reproducible.
std::string num(double v) {
  char b[64];
  auto [p, ec] = std::to_chars(b, b + sizeof b, v);
  return std::string(b, p);
}

std::string opt_num(const std::optional<double>& v) { return v ? num(*v) : std::string(); }

// curve.csv as plots (docs/report.md); a split without images is a gap.
void write_curve_plots(const std::vector<train::EpochStats>& curve, const fs::path& dir) {
  const double gap = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> epoch, loss, train, val, test;
  for (const auto& st : curve) {
    epoch.push_back(st.epoch);
    loss.push_back(st.train_loss);
    train.push_back(st.train_accuracy);
    val.push_back(st.val_accuracy.value_or(gap));
    test.push_back(st.test_accuracy.value_or(gap));
  }
  Plot::line("Learning curve: loss", "epoch", "mean cross-entropy").add_series("train", epoch, loss).write(dir / "loss.json");
  Plot::line("Learning curve: accuracy", "epoch", "accuracy")
      .add_series("train (while training)", epoch, train)
      .add_series("val", epoch, val)
      .add_series("test", epoch, test)
      .write(dir / "accuracy.json");
}

class TrainerCnn final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto data_dir = ctx.input("dataset");
    ctx.progress(0, "reading images");
    const ImageSet data = read_images(data_dir);
    auto layers = ctx.param<std::vector<std::string>>("layers");
    if (layers.empty()) throw StageError("trainer.cnn: param layers is empty (it lists the network's layers)");
    const Network net = parse_network(layers, data.shape, "trainer.cnn: param layers");
    if (net.classes() != data.classes)
      throw StageError("trainer.cnn: param layers: the last layer '" + net.layers.back().text + "' has " +
                       std::to_string(net.classes()) + " outputs but " + data_dir.string() + " has " +
                       std::to_string(data.classes) + " classes");
    if (data.train.count == 0) throw StageError("trainer.cnn: " + data_dir.string() + " has no training images");

    train::TrainOptions opt;
    opt.epochs = static_cast<int>(ctx.param<long>("epochs"));
    opt.batch_size = static_cast<int>(ctx.param<long>("batch_size"));
    opt.optimizer = ctx.param<std::string>("optimizer");
    opt.learning_rate = ctx.param<double>("learning_rate");
    opt.momentum = ctx.param<double>("momentum");
    opt.weight_decay = ctx.param<double>("weight_decay");
    opt.seed = static_cast<std::uint64_t>(ctx.param<long>("seed"));
    opt.threads = std::max(1, ctx.threads());

    ctx.info("network " + to_string(net.input) + " -> " + std::to_string(net.classes()) + " classes: " +
             std::to_string(net.weight_count()) + " weights, " + std::to_string(net.macs()) +
             " MACs per image; " + std::to_string(data.train.count) + " training images, batch " +
             std::to_string(opt.batch_size) + ", " + opt.optimizer + " lr " + num(opt.learning_rate) + ", " +
             std::to_string(opt.threads) + " thread(s)");

    train::TrainHooks hooks;
    hooks.cancelled = [&] { return ctx.cancelled(); };
    const double epochs = std::max(1, opt.epochs);
    hooks.batch = [&](int epoch, long b, long batches, double loss, double acc) {
      if (b % 20 != 0 && b != batches) return;
      char line[160];
      std::snprintf(line, sizeof line, "epoch %d/%d batch %ld/%ld loss %.4f accuracy %.4f", epoch, opt.epochs, b,
                    batches, loss, acc);
      ctx.progress((epoch - 1 + static_cast<double>(b) / batches) / epochs, line);
    };
    hooks.epoch = [&](const train::EpochStats& st) {
      char line[256];
      std::snprintf(line, sizeof line,
                    "epoch %d/%d: train loss %.4f accuracy %.4f, val accuracy %s, test accuracy %s (%.2f s training, "
                    "%.2f s evaluation)",
                    st.epoch, opt.epochs, st.train_loss, st.train_accuracy,
                    st.val_accuracy ? num(*st.val_accuracy).c_str() : "-",
                    st.test_accuracy ? num(*st.test_accuracy).c_str() : "-", st.seconds, st.eval_seconds);
      ctx.info(line);
    };
    train::TrainResult r = train::train_cnn(net, data, opt, hooks);

    CnnModel& model = r.model;
    json& m = model.metrics;
    m["epochs"] = opt.epochs;
    m["train_images"] = data.train.count;
    m["parameters"] = net.weight_count() + [&] {
      long b = 0;
      for (const auto& l : net.layers) b += l.has_weights() ? l.out_channels : 0;
      return b;
    }();
    m["macs_per_image"] = net.macs();
    if (!r.curve.empty()) {
      const auto& last = r.curve.back();
      m["train_loss"] = last.train_loss;
      m["train_accuracy"] = last.train_accuracy;
      if (last.val_accuracy) m["val_accuracy"] = *last.val_accuracy;
      if (last.test_accuracy) m["test_accuracy"] = *last.test_accuracy;
    }
    model.source = {{"stage", "trainer.cnn/1"},
                    {"dataset_sha256", ctx.input_sha256("dataset")},
                    {"layers", layers},
                    {"epochs", opt.epochs},
                    {"batch_size", opt.batch_size},
                    {"optimizer", opt.optimizer},
                    {"learning_rate", opt.learning_rate},
                    {"momentum", opt.momentum},
                    {"weight_decay", opt.weight_decay},
                    {"seed", ctx.param<long>("seed")}};
    write_model(model, ctx.output("model"));

    std::ofstream csv(ctx.output("curve"), std::ios::trunc);
    csv << "epoch,train_loss,train_accuracy,val_accuracy,test_accuracy\n";
    for (const auto& st : r.curve)
      csv << st.epoch << ',' << num(st.train_loss) << ',' << num(st.train_accuracy) << ','
          << opt_num(st.val_accuracy) << ',' << opt_num(st.test_accuracy) << '\n';
    if (!csv.flush()) throw StageError(ctx.output("curve").string() + ": write failed");
    write_curve_plots(r.curve, ctx.output("plots"));

    for (auto it = m.begin(); it != m.end(); ++it) ctx.metric(it.key(), it.value());
    double train_s = 0, eval_s = 0;
    json per_epoch = json::array();
    for (const auto& st : r.curve) {
      train_s += st.seconds;
      eval_s += st.eval_seconds;
      per_epoch.push_back(std::round(st.seconds * 1000) / 1000);
    }
    const double n = std::max<std::size_t>(1, r.curve.size());
    ctx.metric("seconds_per_epoch", train_s / n);
    ctx.metric("epoch_seconds", per_epoch);
    ctx.metric("eval_seconds_per_epoch", eval_s / n);
    ctx.metric("threads", opt.threads);
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::TrainerCnn)
