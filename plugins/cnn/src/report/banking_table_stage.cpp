// cnn.banking_table: gathers a sweep of rtl.cnn over the banking factor F
// (with synthesis, timing and, optionally, simulation of each design) into
// one table: cycles, MAC units, areas, fmax, power and energy per image.
#include "report/banking_table.hpp"
#include "report/gather.hpp"

#include <flowrun/sdk.hpp>

#include <fstream>
#include <map>

namespace flowrun::cnn::report {
namespace {

const char* kVersion = "1";

StageSpec make_spec() {
  StageSpec s;
  s.kind = "cnn.banking_table";
  s.version = kVersion;
  s.summary = "Table of a banking sweep of rtl.cnn: cycles, MAC units, area, fmax, power, energy per image";
  s.doc =
      "Gathers every instance of a sweep of rtl.cnn over `banking` (F) with the synthesis and timing\n"
      "of each design, matched by their matrix coordinates (rtl[banking=4] with synth[banking=4] and\n"
      "sta[banking=4]). Reads design.json from each `design` (rtl.cnn's verilog/ folder), metrics.json\n"
      "of synth.yosys (`synth`) and of sta.opensta (`sta`) and, when connected, summary.json of a\n"
      "simulation (`sim`). Writes table.csv and table.json, one row per F (sorted):\n"
      "  F, latency_cycles, ideal_cycles = latency_cycles(F=1)/F, scaling = latency_cycles/ideal_cycles,\n"
      "  mac_units, memory_banks, memory_bits, cells, sequential_cells, logic_area, macro_area, area,\n"
      "  clock_period_ns, wns_ns, fmax_mhz, power_mw,\n"
      "  energy_per_image_uj = power_mw * latency_cycles * clock_period_ns * 1e-6\n"
      "    (OpenSTA's power at the STA clock period times the time of one image at that clock;\n"
      "    mW x ns = pJ),\n"
      "  image_time_us_at_fmax = latency_cycles / fmax_mhz,\n"
      "  sim_images, sim_mismatches, sim_cycles_per_image (from the simulation, when connected).\n"
      "ideal_cycles and scaling need a row with F = 1. Two designs with the same F, a design without\n"
      "its synthesis or timing, or a file lacking a needed number fail the stage, naming the file and\n"
      "the field. Metrics: designs, max_scaling, and per F: latency_cycles_f<F>, scaling_f<F>,\n"
      "logic_area_f<F>, macro_area_f<F>, fmax_mhz_f<F>, power_mw_f<F>, energy_per_image_uj_f<F>.\n"
      "See docs/cnn-flow.md.";
  s.inputs = {
      {.name = "design", .type = "verilog", .doc = "rtl.cnn's verilog/ folder (design.json) of every F", .many = true},
      {.name = "synth", .type = "report", .doc = "synth.yosys metrics.json of every design", .many = true},
      {.name = "sta", .type = "report", .doc = "sta.opensta metrics.json of every design", .many = true},
      {.name = "sim", .type = "report", .doc = "sim.verilator / sim.iverilog summary.json of every design",
       .optional = true, .many = true},
  };
  s.outputs = {
      {.name = "table", .type = "table", .doc = "one row per F (columns in the doc)", .file = "table.csv"},
      {.name = "json", .type = "report", .doc = "the same rows as JSON, with the energy formula", .file = "table.json"},
  };
  s.key_metrics = {"designs", "max_scaling"};
  return s;
}

class BankingTableStage final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto designs = by_key(ctx, "design", "design.json");
    if (designs.empty()) throw StageError("input design: no rtl.cnn design connected");
    const auto synth = by_key(ctx, "synth", "metrics.json");
    const auto sta = by_key(ctx, "sta", "metrics.json");
    std::map<std::string, Gathered> sim;
    if (ctx.has_input("sim")) sim = by_key(ctx, "sim", "summary.json");

    std::vector<BankingInputs> inputs;
    for (const auto& [key, d] : designs) {
      BankingInputs in;
      in.instance = d.source;
      in.where_design = d.file.string();
      in.design = read_json_file(d.file, "rtl.cnn's design.json");
      auto need = [&](const std::map<std::string, Gathered>& m, const char* port) -> const Gathered& {
        const auto it = m.find(key);
        if (it == m.end())
          throw StageError("input " + std::string(port) + ": nothing for " + d.source + " (matrix [" + key +
                           "]); connect the " + port + " stage that follows this design");
        return it->second;
      };
      const Gathered& sy = need(synth, "synth");
      const Gathered& st = need(sta, "sta");
      in.where_synth = sy.file.string();
      in.synth = read_json_file(sy.file, "synth.yosys metrics.json");
      in.where_sta = st.file.string();
      in.sta = read_json_file(st.file, "sta.opensta metrics.json");
      if (ctx.has_input("sim")) {
        if (const auto it = sim.find(key); it != sim.end()) {
          in.where_sim = it->second.file.string();
          in.sim = read_json_file(it->second.file, "simulation summary.json");
        } else {
          ctx.warn("no simulation for " + d.source + "; its sim_* columns stay empty");
        }
      }
      inputs.push_back(std::move(in));
    }

    std::vector<json> rows;
    try {
      rows = banking_rows(inputs);
    } catch (const std::runtime_error& e) {
      throw StageError(e.what());
    }
    // Instance names and values only: no paths, so the same sweep gives the
    // same bytes in any run folder.
    json doc = {{"format", "flowrun.cnn_banking_table/1"},
                {"energy_per_image_uj", "power_mw * latency_cycles * clock_period_ns * 1e-6"},
                {"ideal_cycles", "latency_cycles(F=1) / F"},
                {"rows", rows}};
    write_text(ctx.output("json"), doc.dump(2) + "\n");
    write_text(ctx.output("table"), banking_csv(rows));

    ctx.metric("designs", static_cast<std::int64_t>(rows.size()));
    double worst = 0;
    for (const auto& r : rows) {
      const std::string f = "_f" + r["F"].dump();
      for (const char* k : {"latency_cycles", "scaling", "logic_area", "macro_area", "fmax_mhz", "power_mw",
                            "energy_per_image_uj"})
        if (r.contains(k)) ctx.metric(k + f, r[k]);
      if (r.contains("scaling")) worst = std::max(worst, r["scaling"].get<double>());
      ctx.info("F=" + r["F"].dump() + ": " + r["latency_cycles"].dump() + " cycles, logic " + r["logic_area"].dump() +
               ", macros " + r["macro_area"].dump() + ", " + r["fmax_mhz"].dump() + " MHz, " +
               r["energy_per_image_uj"].dump() + " uJ/image");
    }
    if (worst > 0) ctx.metric("max_scaling", worst);
  }
};

}  // namespace
}  // namespace flowrun::cnn::report

FLOWRUN_REGISTER_STAGE(flowrun::cnn::report::BankingTableStage)
