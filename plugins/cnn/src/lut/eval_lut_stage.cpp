// eval.lut: the int8 network with every multiply of the chosen layers taken
// from a multiplier table (approx.ga's lut/ or a 256x256 CSV): accuracy,
// agreement and logit mismatches against the exact int8 model.
#include "data/spec_params.hpp"
#include "quant/integer_kernels.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/sdk.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace flowrun::cnn {
namespace {

const char* kVersion = "1";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "eval.lut";
  s.version = kVersion;
  s.summary = "Evaluate the int8 CNN with an approximate multiplier's product table (LUT inference)";
  s.doc =
      "Runs the integer model of qmodel.hpp with every product w * x of the chosen layers (param layers;\n"
      "empty: every conv2d/dense layer) taken from the multiplier table `lut` instead of the exact product:\n"
      "mapping signed uses a signed 8x8 table as T[w & 0xff][x & 0xff] (a = weight, b = activation);\n"
      "mapping sign_magnitude an unsigned one as sign(w)sign(x) U[|w|][|x|]. Zero-padding taps are\n"
      "products with x = 0; accumulation is int32 modulo 2^32. Without `lut` the exact table is used\n"
      "(the result is then the int8 model's, bit for bit). The exact int8 model runs on the same images\n"
      "for comparison: accuracy, exact_accuracy, accuracy_drop_points (exact - lut, percentage points),\n"
      "agreement (same class as exact int8) and logits_mismatches (images with any logit different).\n"
      "The lut input is approx.ga's lut/ folder (lut.bin, else lut.csv) or a .bin / .csv file; see\n"
      "docs/approx-cnn.md for the formats. Fast: precomputed per-tap product rows, zero activations\n"
      "skipped, ctx threads; lut_images_per_second is reported.";
  s.inputs.push_back({"qmodel", "qmodel", "int8 CNN (flowrun.cnn_int8/1)", ""});
  s.inputs.push_back({"dataset", "images", "images artifact; param split chooses the images", ""});
  s.inputs.push_back({.name = "lut",
                      .type = "lut",
                      .doc = "multiplier table: approx.ga's lut/ folder or a 256x256 .csv / .bin file; none: exact",
                      .optional = true});
  s.outputs.push_back({.name = "report", .type = "report",
                       .doc = "eval.json: accuracy, agreement, mismatches, per-class accuracy, table error",
                       .file = "eval.json"});
  s.outputs.push_back({.name = "predictions", .type = "report",
                       .doc = "predictions.csv: image, label, exact int8 class, LUT class, logits differ (0/1)",
                       .file = "predictions.csv"});
  s.params = {
      param("mapping", ParamType::String, "signed",
            "how an int8 product maps onto the table: signed (T[w][x], a signed 8x8 multiplier) or "
            "sign_magnitude (sign(w)sign(x) U[|w|][|x|], an unsigned one)",
            std::nullopt, std::nullopt, {"signed", "sign_magnitude"}),
      param("layers", ParamType::StringList, json::array(),
            "conv2d/dense layers that multiply through the table (names as in qmodel.json); empty: all"),
      param("split", ParamType::String, "test", "images evaluated", std::nullopt, std::nullopt,
            {"test", "val", "train"}),
      param("limit", ParamType::Int, 0, "evaluate only the first `limit` images of the split; 0: all", 0, 1e9),
  };
  s.key_metrics = {"accuracy", "exact_accuracy", "accuracy_drop_points", "agreement", "logits_mismatches"};
  return s;
}

class EvalLut final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    using clock = std::chrono::steady_clock;
    const auto q_dir = ctx.input("qmodel");
    const auto data_dir = ctx.input("dataset");
    const QModel q = read_qmodel(q_dir);
    const ImageSet data = read_images(data_dir);
    if (!(data.shape == q.net.input))
      throw StageError("eval.lut: " + data_dir.string() + " holds " + to_string(data.shape) + " images but " +
                       q_dir.string() + " expects " + to_string(q.net.input));
    const std::string split_name = ctx.param<std::string>("split");
    const ImageSplit& split = split_name == "val" ? data.val : split_name == "train" ? data.train : data.test;
    long count = split.count;
    if (const long limit = ctx.param<long>("limit"); limit > 0) count = std::min(count, limit);
    if (count == 0) throw StageError("eval.lut: " + data_dir.string() + ": the " + split_name + " split is empty");
    const LutMapping mapping = parse_lut_mapping(ctx.param<std::string>("mapping"), "eval.lut: param mapping");
    const auto layers = ctx.param<std::vector<std::string>>("layers");
    const MultiplierTable mt = ctx.has_input("lut") ? read_multiplier_table(ctx.input("lut"), mapping)
                                                    : exact_multiplier_table(mapping);
    const ProductTable table = effective_table(mt, mapping, layers);
    const int threads = std::max(1, ctx.threads());

    ctx.progress(0.1, "exact int8 inference on " + std::to_string(count) + " images");
    const auto t0 = clock::now();
    const auto exact = quant::infer_batch_counted(q, split.pixels.data(), count, threads, nullptr, nullptr);
    const double exact_s = std::chrono::duration<double>(clock::now() - t0).count();
    ctx.progress(0.5, "LUT inference on " + std::to_string(count) + " images");
    const auto t1 = clock::now();
    const LutEngine engine(q, &table);
    const auto logits = engine.infer_batch(split.pixels.data(), count, threads);
    const double lut_s = std::chrono::duration<double>(clock::now() - t1).count();

    const int classes = q.net.classes();
    long right = 0, right_exact = 0, agree = 0, mismatches = 0;
    std::vector<long> class_total(classes, 0), class_right(classes, 0);
    std::string csv = "image,label,exact_class,lut_class,logits_differ\n";
    for (long i = 0; i < count; ++i) {
      const std::int32_t* z = logits.data() + i * classes;
      const std::int32_t* ze = exact.data() + i * classes;
      const int p = quant::argmax(z, classes), pe = quant::argmax(ze, classes);
      const int label = split.labels[i];
      const bool differ = !std::equal(z, z + classes, ze);
      right += p == label;
      right_exact += pe == label;
      agree += p == pe;
      mismatches += differ;
      if (label < classes) {
        ++class_total[label];
        class_right[label] += p == label;
      }
      csv += std::to_string(i) + ',' + std::to_string(label) + ',' + std::to_string(pe) + ',' + std::to_string(p) +
             ',' + (differ ? "1" : "0") + '\n';
    }
    // The table's own error against exact products over the entries the
    // network can use, for the report.
    const MultiplierTable ex = exact_multiplier_table(mapping);
    long wrong_entries = 0;
    std::int64_t wce = 0;
    for (std::size_t i = 0; i < mt.raw.size(); ++i) {
      const std::int64_t d = mt.raw[i] - ex.raw[i];
      wrong_entries += d != 0;
      wce = std::max<std::int64_t>(wce, d < 0 ? -d : d);
    }

    const double n = static_cast<double>(count);
    json m = json::object();
    m["accuracy"] = right / n;
    m["exact_accuracy"] = right_exact / n;
    m["accuracy_drop_points"] = 100.0 * (right_exact - right) / n;
    m["agreement"] = agree / n;
    m["logits_mismatches"] = mismatches;
    m["images"] = count;
    m["split"] = split_name;
    m["mapping"] = to_string(mapping);
    m["table_error_rate"] = static_cast<double>(wrong_entries) / 65536.0;
    m["table_wce"] = wce;
    json report = m;
    json per_class = json::array();
    for (int c = 0; c < classes; ++c)
      per_class.push_back(class_total[c] ? static_cast<double>(class_right[c]) / class_total[c] : 0.0);
    report["class_accuracy"] = per_class;
    report["layers"] = layers;
    report["source"] = {{"stage", std::string("eval.lut/") + kVersion},
                        {"qmodel_sha256", ctx.input_sha256("qmodel")},
                        {"dataset_sha256", ctx.input_sha256("dataset")},
                        {"lut_sha256", ctx.has_input("lut") ? ctx.input_sha256("lut") : std::string("exact")}};
    {
      std::ofstream out(ctx.output("report"));
      out << report.dump(2) << '\n';
      if (!out) throw StageError("eval.lut: cannot write " + ctx.output("report").string());
      std::ofstream pred(ctx.output("predictions"));
      pred << csv;
      if (!pred) throw StageError("eval.lut: cannot write " + ctx.output("predictions").string());
    }
    for (auto it = m.begin(); it != m.end(); ++it) ctx.metric(it.key(), it.value());
    ctx.metric("lut_images_per_second", n / std::max(lut_s, 1e-9));
    ctx.metric("exact_images_per_second", n / std::max(exact_s, 1e-9));
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s: LUT accuracy %.4f, exact int8 %.4f (drop %.2f points), agreement %.4f, %ld of %ld images "
                  "with different logits; LUT %.0f images/s on %d thread(s)",
                  split_name.c_str(), right / n, right_exact / n, 100.0 * (right_exact - right) / n, agree / n,
                  mismatches, count, n / std::max(lut_s, 1e-9), threads);
    ctx.info(line);
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::EvalLut)
