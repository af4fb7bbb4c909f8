// testbench.cnn: qmodel + images + rtl.cnn design -> self-checking,
// shardable testbench (flowrun.testbench/1).
#include "rtl/testbench_gen.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/sdk.hpp>

namespace flowrun::cnn::rtl {
namespace {

// 3: reset released after a delay (no event control in the initial block);
// 2: the lut input (expected values of an approximate-multiplier design).
const char* kVersion = "3";

// design.json's mac_multiplier (rtl.cnn's multiplier input), or null.
json design_multiplier(const fs::path& design_dir) {
  std::ifstream in(design_dir / "design.json");
  json d;
  try {
    d = json::parse(in);
  } catch (const json::exception& e) {
    throw StageError((design_dir / "design.json").string() + ": not valid JSON: " + e.what());
  }
  return d.value("mac_multiplier", json());
}

StageSpec make_spec() {
  StageSpec s;
  s.kind = "testbench.cnn";
  s.version = kVersion;
  s.summary = "Self-checking testbench of an rtl.cnn accelerator: every logit against the integer model";
  s.doc =
      "Checks every ROM .hex file of the design against the banks the compiler derives from the qmodel\n"
      "(a file that differs fails the stage naming the file, the line and the expected word) and copies\n"
      "them into the testbench (the SRAM models load them from `FLOWRUN_TBDIR). Writes testbench.json\n"
      "(flowrun.testbench/1, \"shardable\": true), tb_<module>.v, images.hex (one pixel per line) and\n"
      "expected.hex (per image: the integer model's logits, class and the label).\n"
      "The testbench streams each image, waits for the result and compares all logits and the class;\n"
      "an image also fails when its latency (first pixel accepted -> out_valid) differs from the\n"
      "schedule's latency_cycles. It prints one FLOWRUN_RESULT line with vectors, mismatches,\n"
      "logit_mismatches, class_mismatches, latency_mismatches, correct (class == label),\n"
      "cycles_per_image (measured), expected_cycles_per_image, cycles. Plusargs: +flowrun_shard=i\n"
      "+flowrun_shards=N (images [i*C/N, (i+1)*C/N)), +max_images=M, +vcd. out_ready_percent < 100\n"
      "holds out_ready low at pseudo-random cycles (back-pressure). See docs/cnn-hardware.md.\n"
      "A design with an approximate MAC multiplier (rtl.cnn's multiplier input) needs its table as the\n"
      "`lut` input (approx.ga's lut/ or a 256x256 CSV): the expected logits are then the integer model\n"
      "with every product taken from it (mapping as recorded in design.json; docs/approx-cnn.md).";
  s.inputs.push_back({"qmodel", "qmodel", "int8 CNN (flowrun.cnn_int8/1) the design was compiled from", ""});
  s.inputs.push_back({"dataset", "images", "images artifact; the split param selects the images", ""});
  s.inputs.push_back({"design", "verilog", "rtl.cnn's verilog/ folder (design.json, .v, .hex)", ""});
  s.inputs.push_back({"lut", "lut",
                      "the MAC multiplier's product table (needed by, and only by, a design with a multiplier "
                      "netlist): lut/ folder or CSV",
                      "", true});
  s.outputs.push_back({"testbench", "testbench", "testbench folder (flowrun.testbench/1, shardable)", "testbench/"});
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
      param("split", ParamType::String, "test", "which split's images to use", std::nullopt, std::nullopt,
            {"test", "val", "train"}),
      param("max_images", ParamType::Int, 0, "at most this many images (the first ones); 0: all", 0, 10000000),
      param("out_ready_percent", ParamType::Int, 100,
            "percentage of cycles with out_ready high (pseudo-random back-pressure; 100: always ready)", 1, 100),
      param("timeout_s", ParamType::Int, 3600, "simulation time limit written to testbench.json", 1, 86400),
  };
  s.key_metrics = {"vectors", "expected_accuracy", "latency_cycles"};
  return s;
}

class TestbenchCnn final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto qdir = ctx.input("qmodel");
    const auto ddir = ctx.input("dataset");
    const auto design_dir = ctx.input("design");
    const QModel q = read_qmodel(qdir);
    const ImageSet set = read_images(ddir);
    if (!(set.shape == q.net.input)) {
      throw StageError(ddir.string() + ": images are " + to_string(set.shape) + ", the qmodel expects " +
                       to_string(q.net.input));
    }
    const std::string split = ctx.param<std::string>("split");
    const ImageSplit& sp = split == "test" ? set.test : split == "val" ? set.val : set.train;
    long count = sp.count;
    const long max = static_cast<long>(ctx.param<std::int64_t>("max_images"));
    if (max > 0) count = std::min(count, max);
    if (count == 0) throw StageError(ddir.string() + ": split '" + split + "' has no images");
    const Design d = check_design(q, design_dir);
    const json mm = design_multiplier(design_dir);
    ProductTable products;
    if (mm.is_object() != ctx.has_input("lut")) {
      throw StageError(mm.is_object()
                           ? (design_dir / "design.json").string() + ": the design multiplies with the netlist " +
                                 mm.value("module", std::string()) +
                                 " (mac_multiplier); connect its product table as the `lut` input"
                           : ctx.input("lut").string() + ": the design multiplies exactly (no mac_multiplier in " +
                                 (design_dir / "design.json").string() + "); a `lut` input makes no sense for it");
    }
    if (mm.is_object()) {
      const std::string mapping_text = mm.value("mapping", std::string("signed"));
      const LutMapping mapping = parse_lut_mapping(mapping_text, (design_dir / "design.json").string() + ": mac_multiplier.mapping");
      products = effective_table(read_multiplier_table(ctx.input("lut"), mapping), mapping);
      ctx.info("expected values: every product from " + ctx.input("lut").string() + " (" + mapping_text +
               " mapping, multiplier " + mm.value("module", std::string()) + ")");
    }
    TestbenchOptions o;
    o.out_ready_percent = static_cast<int>(ctx.param<std::int64_t>("out_ready_percent"));
    o.timeout_s = static_cast<int>(ctx.param<std::int64_t>("timeout_s"));
    o.generator = spec().kind + " " + kVersion;
    o.threads = ctx.threads();
    if (!products.table.empty()) o.products = &products;
    o.provenance = {{"qmodel_sha256", ctx.input_sha256("qmodel")},
                    {"design_sha256", ctx.sha256(design_dir / "design.json")},
                    {"split", split}};
    const TestbenchInfo info =
        write_testbench(q, d, design_dir, sp.pixels.data(), sp.labels.data(), count, o, ctx.output("testbench"));
    ctx.metric("vectors", info.vectors);
    ctx.metric("expected_accuracy", info.expected_accuracy);
    ctx.metric("latency_cycles", d.schedule.latency_cycles);
    ctx.metric("expected_sim_cycles", d.schedule.latency_cycles * info.vectors);
    ctx.info("testbench " + info.top + ": " + std::to_string(info.vectors) + " images, integer-model accuracy " +
             std::to_string(info.expected_accuracy));
  }
};

}  // namespace
}  // namespace flowrun::cnn::rtl

FLOWRUN_REGISTER_STAGE(flowrun::cnn::rtl::TestbenchCnn)
