// testbench.decoder: qmodel + dataset -> self-checking testbench artifact.
#include "testbench_writer.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_neuro/dataset.hpp>

namespace flowrun::decoder {

namespace {

const char* kVersion = "1.0.0";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "testbench.decoder";
  s.version = kVersion;
  s.summary = "Generate a self-checking testbench for the decoder from the eval split";
  s.doc =
      "Writes testbench/ (testbench.json, tb_decoder.v, vectors.hex; format\n"
      "flowrun.testbench/1 as run by sim.iverilog). Every eval frame is driven in\n"
      "stream order, the DUT is reset before each sequence, and logit and decision\n"
      "of every result must equal the bit-exact integer model; agreement with the\n"
      "float decoder is reported as float_agreement. The DUT interface is the one\n"
      "rtl.decoder writes for any mac_units (the in_valid/in_ready handshake makes\n"
      "the testbench independent of latency); only module_name must match.\n"
      "See docs/decoder-rtl.md.";
  s.inputs = {
      {"qmodel", "qmodel", "fixed-point decoder (flowrun.qmodel/1)", "", false, false},
      {"dataset", "dataset", "data set CSV; its eval split becomes the vectors", "", false, false},
  };
  s.outputs = {{"testbench", "testbench", "testbench folder (flowrun.testbench/1)", "testbench/"}};
  s.params = {
      {"module_name", ParamType::String, "module name of the DUT, as given to rtl.decoder",
       "logistic_decoder", std::nullopt, std::nullopt, {}},
      {"max_frames", ParamType::Int, "at most this many eval frames (0: all)", 0, 0,
       std::nullopt, {}},
      {"timeout_s", ParamType::Int, "simulation time limit written to testbench.json", 600, 1,
       86400, {}},
  };
  s.key_metrics = {"vectors", "expected_float_agreement"};
  return s;
}

class DecoderTestbench final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto qpath = ctx.input("qmodel");
    const auto dpath = ctx.input("dataset");
    const QModel q = read_qmodel(qpath);
    const neuro::Dataset data = neuro::read_dataset(dpath);
    if (data.rois != q.rois) {
      throw StageError(dpath.string() + ": has " + std::to_string(data.rois) + " ROIs but " +
                       qpath.string() + " expects " + std::to_string(q.rois));
    }
    TestbenchOptions opt;
    opt.module_name = ctx.param<std::string>("module_name");
    opt.max_frames = static_cast<long>(ctx.param<std::int64_t>("max_frames"));
    opt.timeout_s = static_cast<int>(ctx.param<std::int64_t>("timeout_s"));
    opt.generator = spec().kind + " " + kVersion;
    opt.provenance = {{"qmodel_sha256", ctx.input_sha256("qmodel")},
                      {"dataset_sha256", ctx.input_sha256("dataset")},
                      {"model_sha256", q.provenance.value("model_sha256", "unknown")}};
    const TestbenchArtifact tb = generate_testbench(q, data.eval, opt);
    write_testbench(tb, ctx.output("testbench"));
    if (tb.vector_count < 2000) {
      ctx.warn("only " + std::to_string(tb.vector_count) +
               " eval frames in the testbench (fewer than 2000)");
    }
    ctx.info("testbench " + tb.top + ": " + std::to_string(tb.vector_count) + " frames in " +
             std::to_string(tb.sequences) + " sequence(s)");
    ctx.metric("vectors", tb.vector_count);
    ctx.metric("sequences", tb.sequences);
    ctx.metric("expected_float_agreement",
               static_cast<double>(tb.expected_float_agreements) / tb.vector_count);
    ctx.metric("feature_saturations", tb.feature_saturations);
  }
};

}  // namespace

}  // namespace flowrun::decoder

FLOWRUN_REGISTER_STAGE(flowrun::decoder::DecoderTestbench)
