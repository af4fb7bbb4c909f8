// quantizer.int8: float CNN (model) + images -> int8 CNN (qmodel), with the
// int8 and float accuracy on the evaluation split.
#include "quant/integer_kernels.hpp"
#include "quant/quantize.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/sdk.hpp>

#include <chrono>
#include <cstdio>

namespace flowrun::cnn {
namespace {

const char* kVersion = "1";

ParamSpec param(const char* name, ParamType type, json def, const char* doc, std::optional<double> lo = std::nullopt,
                std::optional<double> hi = std::nullopt, std::vector<std::string> choices = {}) {
  ParamSpec p;
  p.name = name;
  p.type = type;
  p.default_value = std::move(def);
  p.doc = doc;
  p.min = lo;
  p.max = hi;
  p.choices = std::move(choices);
  return p;
}

StageSpec make_spec() {
  StageSpec s;
  s.kind = "quantizer.int8";
  s.version = kVersion;
  s.summary = "Quantize a float CNN to int8 (the bit-exact integer model the hardware implements)";
  s.doc =
      "Post-training quantization. Weights: symmetric int8, w_q = round(w / s_w) in [-127, 127] with\n"
      "s_w = max|w| / 127 per tensor or per output channel (granularity; the last layer is always per\n"
      "tensor so its int32 logits share one scale). Input: x0 = pixel >> 1, scale 2 * the model's\n"
      "input_scale. Activations: the output of every conv/dense layer (after its fused relu) gets the\n"
      "scale range / 127, range = max |a| (method max) or the given percentile of |a| (method\n"
      "percentile) over the float activations of calibration_images training images, evenly spaced\n"
      "through the train split. Biases: round(b / (s_w * s_in)) in int32. Requantization: the real\n"
      "multiplier s_w * s_in / s_out as M * 2^-s with M < 2^(multiplier_bits-1), as many bits as\n"
      "possible; rounding and saturation are written to the qmodel and used by the hardware.\n"
      "The int8 model (qmodel.hpp's infer) and the float model both classify the eval split:\n"
      "int8_test_accuracy, float_test_accuracy, accuracy_loss_points (float - int8, in percentage\n"
      "points), agreement (fraction of images where both pick the same class) and, per requantized\n"
      "layer, saturations_<layer>: output values on the eval split that left [-128, 127] (and so were\n"
      "changed by saturation or wrapping). See docs/cnn-quantization.md.";
  s.inputs.push_back({"model", "model", "float CNN (model.json + float32 tensors, flowrun.cnn/1)", ""});
  s.inputs.push_back({"dataset", "images", "images artifact: calibration from train, evaluation from eval_split", ""});
  s.outputs.push_back({"qmodel", "qmodel", "int8 CNN (qmodel.json + int8 weights, int32 biases, flowrun.cnn_int8/1)",
                       "qmodel/"});
  s.params = {
      param("granularity", ParamType::String, "per_channel",
            "weight scales: per_tensor (one per layer) or per_channel (one per output channel; "
            "the last layer stays per tensor)",
            std::nullopt, std::nullopt, {"per_tensor", "per_channel"}),
      param("method", ParamType::String, "max",
            "activation range: max (largest |a| in calibration; the best agreement with the float model on "
            "Fashion-MNIST) or percentile (see percentile)", std::nullopt,
            std::nullopt, {"max", "percentile"}),
      param("percentile", ParamType::Float, 99.999,
            "method percentile: the range covers this percentage of all calibration |a| values (zeros included)",
            50.0, 100.0),
      param("calibration_images", ParamType::Int, 2000,
            "training images used to calibrate activation ranges (evenly spaced through the train split; "
            "all of it when it is smaller)",
            1, 1000000),
      param("multiplier_bits", ParamType::Int, 32,
            "requantization multipliers M < 2^(multiplier_bits-1) (e.g. 16 for a narrower hardware multiplier)",
            2, 32),
      param("rounding", ParamType::String, "nearest",
            "requantization rounding: nearest (add 2^(s-1) before the shift, ties toward +inf) or floor",
            std::nullopt, std::nullopt, {"nearest", "floor"}),
      param("saturation", ParamType::String, "saturate",
            "out-of-range int8 results: saturate (clamp to [-128, 127]) or wrap (keep the low 8 bits)",
            std::nullopt, std::nullopt, {"saturate", "wrap"}),
      param("floor_bias_correction", ParamType::Bool, true,
            "with rounding floor, add round(2^(s-1) / M) to each bias so results round to nearest on average"),
      param("eval_split", ParamType::String, "test", "split on which int8 and float accuracy are measured",
            std::nullopt, std::nullopt, {"test", "val"}),
  };
  s.key_metrics = {"int8_test_accuracy", "float_test_accuracy", "accuracy_loss_points", "agreement"};
  return s;
}

double accuracy(const std::vector<int>& predicted, const std::uint8_t* labels) {
  long right = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) right += predicted[i] == labels[i];
  return predicted.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(predicted.size());
}

class QuantizerInt8 final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    using clock = std::chrono::steady_clock;
    const auto model_dir = ctx.input("model");
    const auto data_dir = ctx.input("dataset");
    ctx.progress(0, "reading the model and images");
    const CnnModel model = read_model(model_dir);
    const ImageSet data = read_images(data_dir);
    if (!(data.shape == model.net.input))
      throw StageError("quantizer.int8: " + data_dir.string() + " holds " + to_string(data.shape) + " images but " +
                       model_dir.string() + " expects " + to_string(model.net.input));
    if (data.classes != model.net.classes())
      throw StageError("quantizer.int8: " + data_dir.string() + " has " + std::to_string(data.classes) +
                       " classes but " + model_dir.string() + " outputs " + std::to_string(model.net.classes()));
    if (data.train.count == 0)
      throw StageError("quantizer.int8: " + data_dir.string() + " has no training images to calibrate on");
    const std::string eval_name = ctx.param<std::string>("eval_split");
    const ImageSplit& eval = eval_name == "val" ? data.val : data.test;
    if (eval.count == 0)
      throw StageError("quantizer.int8: " + data_dir.string() + ": the " + eval_name +
                       " split is empty (param eval_split)");

    quant::QuantizeOptions opt;
    opt.granularity = ctx.param<std::string>("granularity");
    opt.method = ctx.param<std::string>("method");
    opt.percentile = ctx.param<double>("percentile");
    opt.multiplier_bits = static_cast<int>(ctx.param<long>("multiplier_bits"));
    opt.rounding = ctx.param<std::string>("rounding") == "floor" ? Rounding::Floor : Rounding::Nearest;
    opt.saturation = ctx.param<std::string>("saturation") == "wrap" ? Saturation::Wrap : Saturation::Saturate;
    opt.floor_bias_correction = ctx.param<bool>("floor_bias_correction");
    opt.threads = std::max(1, ctx.threads());

    // Calibration images evenly spaced through the train split (which is
    // shuffled or not, depending on the data set), so every part is seen.
    const long image = data.image_size();
    const long ncal = std::min<long>(ctx.param<long>("calibration_images"), data.train.count);
    const std::vector<std::uint8_t> cal = quant::calibration_pixels(data.train, image, ncal);
    ctx.progress(0.1, "calibrating on " + std::to_string(ncal) + " training images");
    const auto t0 = clock::now();
    quant::QuantizeResult res = quant::quantize(model, cal.data(), ncal, opt);
    const double quant_s = std::chrono::duration<double>(clock::now() - t0).count();
    QModel& q = res.qmodel;

    // Evaluate int8 and float on the eval split.
    ctx.progress(0.5, "int8 inference on " + std::to_string(eval.count) + " " + eval_name + " images");
    const auto t1 = clock::now();
    std::vector<long> clipped;
    const auto logits = quant::infer_batch_counted(q, eval.pixels.data(), eval.count, opt.threads, nullptr, &clipped);
    const double int8_s = std::chrono::duration<double>(clock::now() - t1).count();
    ctx.progress(0.75, "float inference on " + std::to_string(eval.count) + " " + eval_name + " images");
    const auto t2 = clock::now();
    const auto flogits = float_forward(model, eval.pixels.data(), eval.count, opt.threads);
    const double float_s = std::chrono::duration<double>(clock::now() - t2).count();
    const long classes = model.net.classes();
    std::vector<int> pi(static_cast<std::size_t>(eval.count)), pf(pi.size());
    long agree = 0;
    for (long i = 0; i < eval.count; ++i) {
      pi[i] = quant::argmax(logits.data() + i * classes, classes);
      const float* f = flogits.data() + i * classes;
      pf[i] = static_cast<int>(std::max_element(f, f + classes) - f);  // first maximum, like argmax
      agree += pi[i] == pf[i];
    }
    const double acc8 = accuracy(pi, eval.labels.data());
    const double accf = accuracy(pf, eval.labels.data());

    // Metrics: the reproducible ones also go into the artifact.
    json m = json::object();
    m["int8_test_accuracy"] = acc8;
    m["float_test_accuracy"] = accf;
    m["accuracy_loss_points"] = 100.0 * (accf - acc8);
    m["agreement"] = static_cast<double>(agree) / static_cast<double>(eval.count);
    m["eval_split"] = eval_name;
    m["eval_images"] = eval.count;
    m["calibration_images"] = ncal;
    long total_clipped = 0, total_values = 0;
    json layers = json::object();
    for (const auto& r : res.layers) {
      const std::size_t li = static_cast<std::size_t>(model.net.find(r.layer) - model.net.layers.data());
      const Layer& l = model.net.layers[li];
      json e = {{"weights_clipped", r.weights_clipped}, {"biases_clamped", r.biases_clamped}};
      if (li + 1 < model.net.layers.size()) {
        m["saturations_" + r.layer] = clipped[li];
        total_clipped += clipped[li];
        total_values += l.out.size() * eval.count;
        e["calibrated_on"] = r.calibrated_on;
        e["calibration_max_abs"] = r.max_abs;
        e["range"] = r.range;
        e["output_scale"] = r.output_scale;
        e["multipliers_clamped"] = r.multipliers_clamped;
        e["max_multiplier_error"] = r.max_multiplier_error;
        e["saturations"] = clipped[li];
        e["saturation_rate"] = static_cast<double>(clipped[li]) / static_cast<double>(l.out.size() * eval.count);
      }
      if (r.biases_clamped) ctx.warn(r.layer + ": " + std::to_string(r.biases_clamped) +
                                     " bias(es) clamped to keep the int32 accumulator from overflowing");
      if (r.multipliers_clamped)
        ctx.warn(r.layer + ": " + std::to_string(r.multipliers_clamped) +
                 " multiplier(s) not representable with full precision in multiplier_bits / shift 0..62");
      layers[r.layer] = e;
    }
    m["saturations"] = total_clipped;
    m["saturation_rate"] = total_values ? static_cast<double>(total_clipped) / static_cast<double>(total_values) : 0.0;
    q.metrics = m;
    q.metrics["layers"] = layers;
    q.source = {{"stage", std::string("quantizer.int8/") + kVersion},
                {"model_sha256", ctx.input_sha256("model")},
                {"dataset_sha256", ctx.input_sha256("dataset")},
                {"granularity", opt.granularity},
                {"method", opt.method},
                {"percentile", opt.percentile},
                {"calibration_images", ncal},
                {"multiplier_bits", opt.multiplier_bits},
                {"rounding", to_string(opt.rounding)},
                {"saturation", to_string(opt.saturation)},
                {"floor_bias_correction", opt.floor_bias_correction}};
    write_qmodel(q, ctx.output("qmodel"));

    for (auto it = m.begin(); it != m.end(); ++it) ctx.metric(it.key(), it.value());
    ctx.metric("quantize_seconds", quant_s);
    ctx.metric("int8_images_per_second", static_cast<double>(eval.count) / std::max(int8_s, 1e-9));
    ctx.metric("float_images_per_second", static_cast<double>(eval.count) / std::max(float_s, 1e-9));
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s accuracy: int8 %.4f, float %.4f (loss %.2f points), agreement %.4f; %ld values saturated; "
                  "int8 %.0f images/s on %d thread(s)",
                  eval_name.c_str(), acc8, accf, 100.0 * (accf - acc8), m["agreement"].get<double>(), total_clipped,
                  eval.count / std::max(int8_s, 1e-9), opt.threads);
    ctx.info(line);
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::QuantizerInt8)
