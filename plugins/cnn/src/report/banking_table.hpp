// The banking sweep table: one row per accelerator of a sweep over F, from
// rtl.cnn's design.json, synth.yosys' and sta.opensta's metrics.json and,
// optionally, a simulation's summary.json (docs/cnn-flow.md, "Banking
// sweep").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flowrun::cnn::report {

using json = nlohmann::json;

// One design point as read from its artifacts. `where_*` name the files,
// for error messages.
struct BankingInputs {
  std::string instance;        // e.g. "rtl[banking=4]"
  json design;                 // design.json (flowrun.cnn_design/1)
  json synth;                  // synth.yosys metrics.json
  json sta;                    // sta.opensta metrics.json
  std::optional<json> sim;     // sim.* summary.json, when connected
  std::string where_design, where_synth, where_sta, where_sim;
};

// Columns of table.csv and keys of each row of table.json, in order.
const std::vector<std::string>& banking_columns();

// Builds the rows, sorted by F (then instance name). Per row:
//   F                    options.banking of design.json
//   latency_cycles, mac_units, memory_bits     design.json
//   memory_banks         the number of banks of all memories
//   cells, sequential_cells, logic_area, macro_area, area   synth metrics
//   clock_period_ns, wns_ns, fmax_mhz, power_mw             sta metrics
//   energy_per_image_uj  power_mw * latency_cycles * clock_period_ns * 1e-6
//                        (mW x ns = pJ; power is OpenSTA's estimate at that
//                        clock period, so the product is the energy of one
//                        image at that clock)
//   image_time_us_at_fmax latency_cycles / fmax_mhz
//   ideal_cycles         latency_cycles(F=1) / F, when a row has F = 1
//   scaling              latency_cycles / ideal_cycles (1 = perfect)
//   sim_images, sim_mismatches, sim_cycles_per_image   from the summary
// Throws std::runtime_error naming the file and the field when a required
// number is missing, or when two rows have the same F.
std::vector<json> banking_rows(const std::vector<BankingInputs>& inputs);

// CSV text with a header line; empty cells for values a row lacks.
std::string banking_csv(const std::vector<json>& rows);

// The matrix coordinates of an instance name: "synth[banking=4]" ->
// "banking=4"; a name without brackets -> "".
std::string instance_key(const std::string& instance);

}  // namespace flowrun::cnn::report
