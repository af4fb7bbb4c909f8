// profile.operands: the operand distribution of the int8 network (how often
// each (weight, activation) pair is multiplied on calibration images), the
// weight table of approx.ga's distribution-weighted error metric.
#include "data/spec_params.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/sdk.hpp>

namespace flowrun::cnn {
namespace {

StageSpec make_spec() {
  StageSpec s;
  s.kind = "profile.operands";
  s.version = "1";
  s.summary = "Count the (weight, activation) operand pairs the int8 CNN multiplies (256x256 table)";
  s.doc =
      "Runs the exact int8 model on `images` images evenly spaced through the chosen split and counts,\n"
      "for every multiply of the chosen layers (zero-padding taps included, as activation 0), its operand\n"
      "pair in the index space of the multiplier table (docs/approx-cnn.md): mapping signed counts\n"
      "(w & 0xff, x & 0xff), sign_magnitude (|w|, |x|). counts/counts.csv has the lut.csv orientation\n"
      "(row = weight operand, column = activation operand); counts/counts.json the totals per layer.";
  s.inputs.push_back({"qmodel", "qmodel", "int8 CNN (flowrun.cnn_int8/1)", ""});
  s.inputs.push_back({"dataset", "images", "images artifact (calibration images from param split)", ""});
  s.outputs.push_back({.name = "counts", .type = "operand_counts",
                       .doc = "counts.csv (256x256 operand-pair counts) and counts.json", .file = "counts/"});
  s.params = {
      param("mapping", ParamType::String, "signed",
            "operand index space: signed (w & 0xff, x & 0xff) or sign_magnitude (|w|, |x|)", std::nullopt,
            std::nullopt, {"signed", "sign_magnitude"}),
      param("layers", ParamType::StringList, json::array(),
            "conv2d/dense layers counted (those that will use the approximate multiplier); empty: all"),
      param("split", ParamType::String, "train", "split the calibration images come from", std::nullopt,
            std::nullopt, {"train", "val", "test"}),
      param("images", ParamType::Int, 2000, "images profiled, evenly spaced through the split (all when fewer)", 1,
            1e9),
  };
  s.key_metrics = {"products", "images", "zero_activation_fraction"};
  return s;
}

class ProfileOperands final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto q_dir = ctx.input("qmodel");
    const auto data_dir = ctx.input("dataset");
    const QModel q = read_qmodel(q_dir);
    const ImageSet data = read_images(data_dir);
    if (!(data.shape == q.net.input))
      throw StageError("profile.operands: " + data_dir.string() + " holds " + to_string(data.shape) +
                       " images but " + q_dir.string() + " expects " + to_string(q.net.input));
    const std::string split_name = ctx.param<std::string>("split");
    const ImageSplit& split = split_name == "val" ? data.val : split_name == "test" ? data.test : data.train;
    if (split.count == 0)
      throw StageError("profile.operands: " + data_dir.string() + ": the " + split_name + " split is empty");
    const LutMapping mapping = parse_lut_mapping(ctx.param<std::string>("mapping"), "profile.operands: param mapping");
    const long image = data.image_size();
    const long n = std::min<long>(ctx.param<long>("images"), split.count);
    std::vector<std::uint8_t> px(static_cast<std::size_t>(n * image));
    for (long j = 0; j < n; ++j) {
      const long idx = j * split.count / n;
      std::copy(split.image(idx, image), split.image(idx, image) + image, px.begin() + j * image);
    }
    ctx.progress(0.1, "profiling " + std::to_string(n) + " " + split_name + " images");
    const OperandCounts c =
        count_operands(q, px.data(), n, mapping, ctx.param<std::vector<std::string>>("layers"), ctx.threads());
    write_operand_counts(c, mapping, split_name, ctx.output("counts"));
    std::uint64_t zeros = 0;
    for (int a = 0; a < 256; ++a) zeros += c.counts[static_cast<std::size_t>(a) * 256];
    ctx.metric("products", c.products);
    ctx.metric("images", n);
    ctx.metric("zero_activation_fraction", c.products ? static_cast<double>(zeros) / c.products : 0.0);
    ctx.metric("distinct_pairs", static_cast<long>(std::count_if(c.counts.begin(), c.counts.end(),
                                                                 [](std::uint64_t v) { return v != 0; })));
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::ProfileOperands)
