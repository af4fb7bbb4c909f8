// quantizer.fixed_point: float logistic decoder -> fixed-point qmodel.
#include "quantize.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_neuro/dataset.hpp>
#include <flowrun_neuro/model.hpp>

#include <algorithm>
#include <sstream>

namespace flowrun::decoder {

namespace {

const char* kVersion = "1.0.0";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "quantizer.fixed_point";
  s.version = kVersion;
  s.summary = "Quantize a logistic decoder to signed fixed point and measure the loss";
  s.doc =
      "Converts the float decoder of a model.json (trainer.logistic) to integers in\n"
      "signed two's-complement fixed point and writes qmodel.json (flowrun.qmodel/1).\n"
      "Q-format rule: features share one format whose fractional bits are the\n"
      "largest that keep the largest |raw value| of the train split within\n"
      "2^(feature_bits-1-feature_headroom_bits)-1; weights likewise from max |w|;\n"
      "the accumulator uses feature frac + weight frac fractional bits; the bias\n"
      "(minus the decision threshold) is rounded into the accumulator format.\n"
      "The run fails, naming the widths, when acc_bits cannot hold\n"
      "sum|w|*2^(feature_bits-1)+|bias| (the accumulator could overflow).\n"
      "Metrics compare the bit-exact integer model with the float decoder on every\n"
      "eval frame: eval_accuracy, eval_auroc, accuracy_loss, agreement, saturations.\n"
      "See docs/decoder-rtl.md.";
  s.inputs = {
      {"model", "model", "float logistic decoder (model.json, flowrun.logistic/1)", "", false, false},
      {"dataset", "dataset", "data set CSV: the train split sets the feature range, eval measures",
       "", false, false},
  };
  s.outputs = {{"qmodel", "qmodel", "fixed-point decoder (flowrun.qmodel/1)", "qmodel.json"}};
  s.params = {
      {"feature_bits", ParamType::Int, "bits per feature (sign included)", 16, 2, 32, {}},
      {"weight_bits", ParamType::Int, "bits per weight (sign included)", 16, 2, 32, {}},
      {"acc_bits", ParamType::Int, "accumulator and logit bits (sign included)", 48, 2, 64, {}},
      {"rounding", ParamType::String,
       "real -> integer rule for features, weights and bias: nearest_even (ties to even) or "
       "truncate (floor, i.e. dropping two's-complement fraction bits)",
       "nearest_even", std::nullopt, std::nullopt, {"nearest_even", "truncate"}},
      {"saturate", ParamType::Bool,
       "clamp out-of-range features/weights to the format's ends (false: wrap like a bit slice)",
       true, std::nullopt, std::nullopt, {}},
      {"feature_headroom_bits", ParamType::Int,
       "extra integer bits above the train range of the features (fewer eval saturations, "
       "less resolution)",
       0, 0, 30, {}},
  };
  s.key_metrics = {"eval_accuracy", "accuracy_loss", "agreement", "saturations"};
  return s;
}

class FixedPointQuantizer final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    QuantizeOptions opt;
    opt.feature_bits = ctx.param<int>("feature_bits");
    opt.weight_bits = ctx.param<int>("weight_bits");
    opt.acc_bits = ctx.param<int>("acc_bits");
    opt.rounding = parse_rounding(ctx.param<std::string>("rounding"));
    opt.saturate = ctx.param<bool>("saturate");
    opt.feature_headroom_bits = ctx.param<int>("feature_headroom_bits");
    if (opt.acc_bits < std::max(opt.feature_bits, opt.weight_bits)) {
      throw StageError("quantizer.fixed_point: acc_bits=" + std::to_string(opt.acc_bits) +
                       " must be at least max(feature_bits=" + std::to_string(opt.feature_bits) +
                       ", weight_bits=" + std::to_string(opt.weight_bits) + ")");
    }

    const auto model_path = ctx.input("model");
    const auto data_path = ctx.input("dataset");
    ctx.progress(0.0, "reading model and dataset");
    const neuro::LogisticModel model = neuro::read_model(model_path);
    const neuro::Dataset data = neuro::read_dataset(data_path);
    if (model.rois != data.rois) {
      throw StageError(model_path.string() + ": the model has " + std::to_string(model.rois) +
                       " ROIs but " + data_path.string() + " has " + std::to_string(data.rois));
    }

    ctx.progress(0.3, "quantizing and evaluating on the eval split");
    QModel q = quantize_model(model, data, opt,
                              "quantizer.fixed_point (" + model_path.filename().string() + ")");
    q.provenance = {
        {"stage", spec().kind},
        {"stage_version", kVersion},
        {"model_sha256", ctx.input_sha256("model")},
        {"dataset_sha256", ctx.input_sha256("dataset")},
        {"model_source", model.source},
        {"float_metrics", model.metrics},
        {"params", ctx.params()},
    };
    write_qmodel(q, ctx.output("qmodel"));

    std::ostringstream formats;
    formats << "features " << q.feature.name() << ", weights " << q.weight.name()
            << ", accumulator " << q.accumulator.name() << " (|acc| <= " << q.acc_bound
            << ", needs " << q.acc_required_bits << " of " << q.accumulator.bits << " bits)";
    ctx.info(formats.str());
    for (const auto& [key, value] : q.metrics.items()) {
      if (value.is_number()) ctx.metric(key, value);
    }
    const double loss = q.metrics.value("accuracy_loss", 1.0);
    const double agreement = q.metrics.value("agreement", 0.0);
    if (loss > 0.005 || agreement < 0.995) {
      ctx.warn("fixed point misses the target (accuracy_loss " + std::to_string(loss) +
               " > 0.005 or agreement " + std::to_string(agreement) +
               " < 0.995): consider more feature/weight bits or feature_headroom_bits");
    }
    ctx.progress(1.0, "done");
  }
};

}  // namespace

}  // namespace flowrun::decoder

FLOWRUN_REGISTER_STAGE(flowrun::decoder::FixedPointQuantizer)
