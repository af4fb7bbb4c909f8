// rtl.cnn: int8 CNN (qmodel) -> banked, layer-sequential accelerator in
// Verilog-2005 plus its SRAM macros (docs/cnn-hardware.md).
#include "rtl/accel.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/sdk.hpp>

namespace flowrun::cnn::rtl {
namespace {

// 3: one chip-enable vector per memory read one bank at a time;
// 2: the optional MAC multiplier netlist (input multiplier).
const char* kVersion = "3";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "rtl.cnn";
  s.version = kVersion;
  s.summary = "Compile an int8 CNN into a banked, layer-sequential accelerator (Verilog-2005 + SRAM macros)";
  s.doc =
      "A small compiler: the qmodel's network -> one loop nest per layer (conv2d and dense as MAC\n"
      "layers with the relu fused, maxpool as a MAX layer; a dense layer is a convolution covering its\n"
      "input map) -> a banking transform over the memories -> Verilog-2005.\n"
      "F lanes compute F output channels in parallel: per cycle one activation is read and broadcast,\n"
      "each lane reads its weight from its own ROM bank, so a layer takes\n"
      "out_positions * ceil(C_out/F) * K*K*C_in cycles (padded taps included). Activations are stored\n"
      "channel-last in F banks per layer: partition cyclic puts channel c in bank c mod F, block in bank\n"
      "c div (C/F); the F results of a group go to F distinct banks in one cycle (checked). When F does\n"
      "not divide a channel count the channels are padded with zero-weight lanes (utilization metric).\n"
      "A maxpool reads one word of every bank of its input, so its F is that of the layer before it.\n"
      "Every memory bank is an SRAM macro (flowrun_sram): weights, {shift, M, bias} words and biases\n"
      "are ROMs loaded from <macro>.hex ($readmemh from `FLOWRUN_TBDIR; testbench.cnn copies them).\n"
      "Interface: clk, rst (synchronous, active high), in_valid/in_ready/in_pixel[7:0] (one pixel per\n"
      "cycle, channel-last), out_valid/out_ready/out_class/out_logits (logit k at [k*32 +: 32]).\n"
      "Outputs: verilog/ (<module>.v, one <module>_seq_<layer>.v per layer, design.json with ports,\n"
      "memories, schedule and latency, the .hex files) and macros/ (sram_models.v, macros.lib).\n"
      "latency_cycles is exact (first pixel accepted -> out_valid) and checked by testbench.cnn.\n"
      "With the `multiplier` input (an 8x8 gate netlist, e.g. approx.ga's on the same cells) every lane\n"
      "multiplies through an instance of it instead of the exact int8 product; multiplier_mapping says\n"
      "how (signed: a <- weight, b <- activation, signed 16-bit y; sign_magnitude: magnitudes into an\n"
      "unsigned multiplier, product negated when the signs differ). The netlist is read against\n"
      "multiplier_liberty and its ports checked (two 8-bit inputs, one 16-bit output); it is copied into\n"
      "verilog/ and listed in design.json (mac_multiplier). testbench.cnn then needs the matching LUT.\n"
      "See docs/cnn-hardware.md and docs/approx-cnn.md.";
  s.inputs.push_back({"qmodel", "qmodel", "int8 CNN (flowrun.cnn_int8/1)", ""});
  s.inputs.push_back({"multiplier", "netlist",
                      "optional 8x8 multiplier netlist (approx.ga's netlist) used as every lane's MAC multiplier",
                      "", true});
  s.outputs.push_back({"verilog", "verilog", "the accelerator: .v files, design.json, ROM .hex files", "verilog/"});
  s.outputs.push_back({"macros", "macros", "SRAM macros: sram_models.v (simulation), macros.lib (Liberty)", "macros/"});
  auto param = [](const char* name, ParamType t, json def, const char* doc, std::optional<double> lo = std::nullopt,
                  std::optional<double> hi = std::nullopt, std::vector<std::string> choices = {}) {
    ParamSpec p;
    p.name = name;
    p.type = t;
    p.default_value = std::move(def);
    p.doc = doc;
    p.min = lo;
    p.max = hi;
    p.choices = std::move(choices);
    return p;
  };
  s.params = {
      param("module_name", ParamType::String, "cnn_accel",
            "top module name (a Verilog identifier); also the prefix of every macro and file"),
      param("banking", ParamType::Int, 16,
            "F, the lanes (output channels in parallel) and memory banks of every conv2d/dense layer; "
            "more lanes cut the cycles per image (measured F = 1..16 in docs/cnn-hardware.md); with F = 16 "
            "Verilator simulates the 10,000 Fashion-MNIST test images in 2 shards of 64 s of CPU each "
            "(docs/cnn-flow.md, \"RTL simulation\")",
            1, 256),
      param("layer_banking", ParamType::StringList, json::array(),
            "per-layer overrides of banking, e.g. [\"conv1=4\", \"dense1=16\"] (conv2d and dense layers; "
            "a maxpool keeps the F of the layer before it)"),
      param("partition", ParamType::String, "cyclic",
            "how channels are split over banks: cyclic (c mod F) or block (c div (C/F))", std::nullopt,
            std::nullopt, {"cyclic", "block"}),
      param("multiplier_mapping", ParamType::String, "signed",
            "how int8 products use the multiplier input: signed (a 8x8 signed multiplier, a <- weight, b <- "
            "activation) or sign_magnitude (an unsigned one on |w|, |x|, negated when the signs differ)",
            std::nullopt, std::nullopt, {"signed", "sign_magnitude"}),
      param("multiplier_liberty", ParamType::Path, "${site.cell_library}",
            "Liberty library of the multiplier netlist's cells (the netlist is read and checked against it)"),
      param("multiplier_a_port", ParamType::String, "",
            "the multiplier's weight input; empty: port a if there is one, else the first declared input"),
      param("multiplier_b_port", ParamType::String, "", "the multiplier's activation input; empty: the other input"),
      param("multiplier_y_port", ParamType::String, "", "the multiplier's 16-bit product output; empty: the one output"),
  };
  s.key_metrics = {"latency_cycles", "mac_units", "memory_bits", "mac_utilization"};
  return s;
}

class RtlCnn final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto qdir = ctx.input("qmodel");
    const QModel q = read_qmodel(qdir);
    CompileOptions o;
    o.module_name = ctx.param<std::string>("module_name");
    if (!verilog_identifier(o.module_name)) {
      throw StageError("param module_name: '" + o.module_name +
                       "' is not a Verilog identifier (letters, digits, '_', not starting with a digit)");
    }
    o.banking = static_cast<int>(ctx.param<std::int64_t>("banking"));
    o.layer_banking = ctx.param<std::vector<std::string>>("layer_banking");
    o.partition = partition_from_string(ctx.param<std::string>("partition"), "param partition");
    o.generator = spec().kind + " " + kVersion;
    if (ctx.has_input("multiplier")) {
      MacMultiplier mm = load_mac_multiplier(
          ctx.input("multiplier"), ctx.param<std::string>("multiplier_liberty"),
          ctx.param<std::string>("multiplier_mapping"), ctx.param<std::string>("multiplier_a_port"),
          ctx.param<std::string>("multiplier_b_port"), ctx.param<std::string>("multiplier_y_port"));
      mm.sha256 = ctx.input_sha256("multiplier");
      o.multiplier = std::make_shared<const MacMultiplier>(std::move(mm));
      if (o.multiplier->module == o.module_name || o.multiplier->module.rfind(o.module_name + "_", 0) == 0) {
        throw StageError(ctx.input("multiplier").string() + ": module " + o.multiplier->module +
                         " collides with the accelerator's module names (module_name " + o.module_name + ")");
      }
      ctx.info("MAC multiplier: module " + o.multiplier->module + " (" + std::to_string(o.multiplier->cells) +
               " cells, area " + std::to_string(o.multiplier->area) + "), ports " + o.multiplier->a_port + " <- weight, " +
               o.multiplier->b_port + " <- activation, " + o.multiplier->y_port + ", mapping " + o.multiplier->mapping);
    }
    const Design d = compile(q, o, "rtl.cnn");
    write_design(d, ctx.output("verilog").string(), ctx.output("macros").string());

    const Schedule& s = d.schedule;
    long useful = 0, issued = 0;
    for (const auto& l : s.layers) {
      ctx.metric("cycles_" + l.name, l.cycles);
      ctx.metric("lanes_" + l.name, l.lanes);
      if (l.op == Op::Mac) {
        useful += l.useful_macs;
        issued += l.lane_macs;
        ctx.metric("padded_macs_" + l.name, l.lane_macs - l.useful_macs);
      }
    }
    for (const auto& mem : d.memories.memories) {
      ctx.metric("mem_bits_" + mem.name, mem.bits());
      ctx.metric("banks_" + mem.name, static_cast<long>(mem.banks.size()));
    }
    long banks = 0;
    for (const auto& mem : d.memories.memories) banks += static_cast<long>(mem.banks.size());
    ctx.metric("latency_cycles", s.latency_cycles);
    ctx.metric("approximate_multiplier", o.multiplier ? 1 : 0);
    if (o.multiplier) {
      ctx.metric("multiplier_cells", o.multiplier->cells);
      ctx.metric("multiplier_area", o.multiplier->area);
    }
    ctx.metric("mac_units", s.mac_units);
    ctx.metric("memory_bits", d.memories.total_bits());
    ctx.metric("memory_banks", banks);
    ctx.metric("macs_per_image", useful);
    ctx.metric("padded_macs", issued - useful);
    ctx.metric("mac_utilization", issued ? static_cast<double>(useful) / issued : 1.0);
    ctx.metric("macs_per_cycle", static_cast<double>(useful) / s.latency_cycles);
    ctx.info("module " + s.module_name + ": " + std::to_string(s.mac_units) + " MAC lanes, " +
             std::to_string(s.latency_cycles) + " cycles per image, " + std::to_string(banks) +
             " SRAM banks, " + std::to_string(d.memories.total_bits()) + " memory bits (qmodel " +
             ctx.input_sha256("qmodel").substr(0, 12) + ")");
  }
};

}  // namespace
}  // namespace flowrun::cnn::rtl

FLOWRUN_REGISTER_STAGE(flowrun::cnn::rtl::RtlCnn)
