// rtl.decoder: qmodel -> synthesizable Verilog-2005 decoder.
#include "rtl_writer.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_neuro/dataset.hpp>

#include <fstream>
#include <stdexcept>

namespace flowrun::decoder {

namespace {

const char* kVersion = "1.0.0";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "rtl.decoder";
  s.version = kVersion;
  s.summary = "Generate the fixed-point decoder as synthesizable Verilog-2005";
  s.doc =
      "Writes decoder.v: module <module_name>(clk, rst_n, in_valid, in_ready,\n"
      "in_frame[R*FB-1:0] (ROI r at [r*FB +: FB]), out_valid, logit[AB-1:0] signed,\n"
      "decision). rst_n (asynchronous, active low) clears the history of H frames.\n"
      "Weights are localparam constants. mac_units trades area for latency:\n"
      "R*H (or 0) = one multiplier per term and an adder tree, one frame per cycle,\n"
      "latency 1; fewer = ceil(R*H/mac_units) cycles per frame with in_ready\n"
      "back-pressure, latency cycles_per_frame+1. Lint-clean under verilator -Wall\n"
      "and iverilog -g2005. See docs/decoder-rtl.md.";
  s.inputs = {{"qmodel", "qmodel", "fixed-point decoder (flowrun.qmodel/1)", "", false, false}};
  s.outputs = {{"verilog", "verilog", "the decoder module (Verilog-2005)", "decoder.v"}};
  s.params = {
      {"module_name", ParamType::String,
       "Verilog module name (sanitized to a legal identifier)", "logistic_decoder",
       std::nullopt, std::nullopt, {}},
      {"mac_units", ParamType::Int,
       "multipliers: 0 or rois*history = fully parallel; fewer = serial groups", 0, 0, 65536, {}},
  };
  s.key_metrics = {"mac_units", "latency_cycles", "throughput_frames_per_cycle"};
  return s;
}

class DecoderRtl final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto qpath = ctx.input("qmodel");
    const QModel q = read_qmodel(qpath);
    RtlOptions opt;
    opt.module_name = ctx.param<std::string>("module_name");
    opt.mac_units = static_cast<int>(ctx.param<std::int64_t>("mac_units"));
    opt.generator = spec().kind + " " + kVersion;
    opt.qmodel_sha256 = ctx.input_sha256("qmodel");
    RtlDesign d;
    try {
      d = generate_decoder_rtl(q, opt);
    } catch (const std::invalid_argument& e) {
      throw StageError(std::string("rtl.decoder: ") + e.what());
    }
    if (d.module_name != opt.module_name) {
      ctx.warn("module_name '" + opt.module_name + "' is not a legal Verilog identifier; using '" +
               d.module_name + "'");
    }
    const auto out = ctx.output("verilog");
    std::ofstream f(out);
    f << d.verilog;
    if (!f) throw StageError(out.string() + ": cannot write the Verilog file");
    ctx.info("module " + d.module_name + ": " + std::to_string(d.mac_units) + " MAC unit(s), " +
             std::to_string(d.cycles_per_frame) + " cycle(s) per frame, latency " +
             std::to_string(d.latency_cycles));
    ctx.metric("latency_cycles", d.latency_cycles);
    ctx.metric("throughput_frames_per_cycle", d.throughput_frames_per_cycle);
    ctx.metric("cycles_per_frame", d.cycles_per_frame);
    ctx.metric("mac_units", d.mac_units);
  }
};

}  // namespace

}  // namespace flowrun::decoder

FLOWRUN_REGISTER_STAGE(flowrun::decoder::DecoderRtl)
