// verify.lut: closes the verification chain of an evolved multiplier. The
// netlist was simulated (testbench.arith + sim.iverilog) and its products
// written to table.hex; this stage checks that table equals the LUT the GA
// exported, bit for bit, and that the error metrics recomputed from the
// simulated table equal the metrics the GA reported.
#include "lut_check.hpp"
#include "mult_shape.hpp"
#include "table_io.hpp"

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <fstream>

namespace flowrun::arith {
namespace {

// Simulated minus exact product over every operand pair, operands in value
// order (rows a, columns b), as a heatmap (docs/report.md). Larger tables
// than 256x256 would make a page too heavy to open.
void write_error_map(const MultShape& shape, const std::vector<std::int64_t>& simulated, const fs::path& dir) {
  if (shape.a_width + shape.b_width > 16) return;
  const auto rows = static_cast<std::int64_t>(shape.rows()), cols = static_cast<std::int64_t>(shape.cols());
  const std::int64_t a0 = shape.is_signed ? -rows / 2 : 0, b0 = shape.is_signed ? -cols / 2 : 0;
  std::vector<std::vector<double>> map(static_cast<std::size_t>(rows), std::vector<double>(static_cast<std::size_t>(cols)));
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      const std::int64_t a = a0 + i, b = b0 + j;
      const auto k = static_cast<std::size_t>((a & (rows - 1)) * cols + (b & (cols - 1)));
      map[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = static_cast<double>(simulated[k] - a * b);
    }
  Plot::heatmap("Error map: " + shape.describe(), "b", static_cast<double>(b0), static_cast<double>(b0 + cols - 1), "a",
                static_cast<double>(a0), static_cast<double>(a0 + rows - 1), "simulated - exact", map)
      .note("Every operand pair of the simulated netlist; 0 is an exact product.")
      .write(dir / "error_map.json");
}

class VerifyLutStage : public Stage {
 public:
  VerifyLutStage() {
    spec_.kind = "verify.lut";
    spec_.version = "2";  // 2: plots (the error map for report.html)
    spec_.summary = "Check a simulated product table against a LUT and its reported error metrics";
    spec_.doc =
        "Reads table.hex from the simulator's results folder (written by a\n"
        "testbench.arith testbench), the lut/ folder (lut.csv, and lut.bin\n"
        "when present) and the producer's metrics.json. Fails unless every\n"
        "simulated product equals the LUT entry and every error metric (er,\n"
        "med, nmed, wce, wce_abs, mre, smape, mse), recomputed from the\n"
        "simulated table with flowrun's one implementation, equals the\n"
        "reported one (exactly, or within 1e-12 relative). Writes verify.json\n"
        "with both sets of numbers.";
    spec_.inputs = {
        {.name = "results", .type = "report",
         .doc = "simulation results folder holding table.hex (or the table.hex file)"},
        {.name = "lut", .type = "lut", .doc = "lut/ folder with lut.csv (and lut.bin)"},
        {.name = "metrics", .type = "report", .doc = "metrics.json of the producer (approx.ga)"},
    };
    spec_.outputs = {{.name = "report", .type = "report", .doc = "comparison details",
                      .file = "verify.json"},
                     {.name = "plots", .type = "plot",
                      .doc = "error map (simulated product - exact product for every a, b) for report.html; "
                             "left empty above 16 input bits",
                      .file = "plots/"}};
    spec_.params = shape_params();
    spec_.key_metrics = {"table_matches", "wce", "nmed", "er"};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const MultShape shape = shape_from(ctx);
    fs::path table = ctx.input("results");
    if (fs::is_directory(table)) table /= "table.hex";
    if (!fs::exists(table))
      throw StageError(table.string() + ": no simulated table; expected the results folder of a simulation of a "
                       "testbench.arith testbench (it writes table.hex)");
    const auto simulated = read_hex_table(table, shape);
    const auto lut = read_lut_folder(ctx.input("lut"), shape);
    const fs::path metrics_file = ctx.input("metrics");
    json reported;
    {
      std::ifstream in(metrics_file);
      if (!in) throw StageError(metrics_file.string() + ": cannot open the metrics file");
      try {
        reported = json::parse(in);
      } catch (const json::parse_error& e) {
        throw StageError(metrics_file.string() + ": not valid JSON (" + e.what() + ")");
      }
    }
    const LutCheck check = check_lut(shape, simulated, lut, reported, metrics_file.string());
    write_error_map(shape, simulated, ctx.output("plots"));

    // Inputs named by content (the engine's hashes), never by absolute path:
    // the report is byte-identical in any run directory.
    json report = {{"table_sha256", ctx.input_sha256("results")},
                   {"lut_sha256", ctx.input_sha256("lut")},
                   {"metrics_sha256", ctx.input_sha256("metrics")},
                   {"vectors", shape.vectors()},
                   {"mismatched_entries", check.mismatched_entries},
                   {"table_matches", check.table_matches()},
                   {"metrics_match", check.metrics_match()}};
    json first = json::array();
    for (std::size_t k : check.first_mismatches)
      first.push_back({{"pair", k},
                       {"a", shape.operand(k / shape.cols(), shape.a_width)},
                       {"b", shape.operand(k % shape.cols(), shape.b_width)},
                       {"simulated", simulated[k]},
                       {"lut", lut[k]}});
    report["first_mismatches"] = first;
    json cmp = json::object();
    for (const auto& m : check.metrics)
      cmp[m.name] = {{"reported", m.reported}, {"recomputed", m.recomputed}, {"equal", m.equal}};
    report["error_metrics"] = cmp;
    std::ofstream(ctx.output("report")) << report.dump(2) << "\n";

    ctx.metric("table_matches", check.table_matches() ? 1 : 0);
    ctx.metric("mismatched_entries", check.mismatched_entries);
    for (const auto& m : check.metrics) ctx.metric(m.name, gates::error_metric(check.recomputed, m.name));

    if (!check.table_matches()) {
      const std::size_t k = check.first_mismatches.front();
      throw StageError(table.string() + ": " + std::to_string(check.mismatched_entries) + " of " +
                       std::to_string(shape.vectors()) + " simulated products differ from the LUT; first at line " +
                       std::to_string(k + 1) + ", " + describe_pair(shape, k) + ": simulated " +
                       std::to_string(simulated[k]) + ", lut.csv row " + std::to_string(k / shape.cols() + 1) +
                       " column " + std::to_string(k % shape.cols() + 1) + " says " + std::to_string(lut[k]));
    }
    if (!check.metrics_match()) {
      std::string diffs;
      for (const auto& m : check.metrics)
        if (!m.equal) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "%s reported %.17g, recomputed %.17g; ", m.name.c_str(), m.reported,
                        m.recomputed);
          diffs += buf;
        }
      diffs.resize(diffs.size() - 2);
      throw StageError(metrics_file.string() + ": reported error metrics differ from those of the simulated table: " +
                       diffs);
    }
    ctx.info("simulated table equals the LUT (" + std::to_string(shape.vectors()) +
             " products) and all reported error metrics match");
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::arith

FLOWRUN_REGISTER_STAGE(flowrun::arith::VerifyLutStage)
