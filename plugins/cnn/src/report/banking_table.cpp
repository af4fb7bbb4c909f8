#include "report/banking_table.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

namespace flowrun::cnn::report {
namespace {

double number(const json& j, const std::string& key, const std::string& where, const char* what) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || !it->is_number())
    throw std::runtime_error(where + ": expected a number '" + key + "' (" + what + ")");
  return it->get<double>();
}

std::optional<double> maybe(const json& j, const std::string& key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Whole numbers stay integers in the JSON (and so in the CSV).
json whole(double v) { return static_cast<std::int64_t>(std::llround(v)); }

}  // namespace

const std::vector<std::string>& banking_columns() {
  static const std::vector<std::string> cols = {
      "F",           "latency_cycles",    "ideal_cycles",  "scaling",   "mac_units",
      "memory_banks", "memory_bits",      "cells",         "sequential_cells", "logic_area",
      "macro_area",  "area",              "clock_period_ns", "wns_ns",  "fmax_mhz",
      "power_mw",    "energy_per_image_uj", "image_time_us_at_fmax", "sim_images", "sim_mismatches",
      "sim_cycles_per_image", "instance"};
  return cols;
}

std::string instance_key(const std::string& instance) {
  const auto open = instance.find('[');
  const auto close = instance.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  return instance.substr(open + 1, close - open - 1);
}

std::vector<json> banking_rows(const std::vector<BankingInputs>& inputs) {
  std::vector<json> rows;
  for (const auto& in : inputs) {
    if (!in.design.is_object() || !in.design.contains("options") || !in.design["options"].is_object())
      throw std::runtime_error(in.where_design + ": expected a design.json object with \"options\" "
                               "(flowrun.cnn_design/1, written by rtl.cnn)");
    json r = json::object();
    r["instance"] = in.instance;
    r["F"] = whole(number(in.design["options"], "banking", in.where_design + ": options", "rtl.cnn's banking F"));
    const double latency = number(in.design, "latency_cycles", in.where_design, "cycles per image");
    r["latency_cycles"] = whole(latency);
    r["mac_units"] = whole(number(in.design, "mac_units", in.where_design, "MAC lanes"));
    r["memory_bits"] = whole(number(in.design, "memory_bits", in.where_design, "bits of all memories"));
    if (in.design.contains("memories") && in.design["memories"].is_array()) {
      std::int64_t banks = 0;
      for (const auto& m : in.design["memories"])
        if (m.contains("banks") && m["banks"].is_array()) banks += static_cast<std::int64_t>(m["banks"].size());
      r["memory_banks"] = banks;
    }
    for (const char* k : {"cells", "sequential_cells"})
      if (auto v = maybe(in.synth, k)) r[k] = whole(*v);
    const double logic = number(in.synth, "logic_area", in.where_synth, "standard-cell area from synth.yosys");
    const double macro = number(in.synth, "macro_area", in.where_synth, "SRAM macro area from synth.yosys");
    r["logic_area"] = logic;
    r["macro_area"] = macro;
    r["area"] = logic + macro;
    const double period = number(in.sta, "clock_period_ns", in.where_sta, "the clock of the power estimate");
    const double power = number(in.sta, "power_mw", in.where_sta, "OpenSTA's power estimate");
    const double fmax = number(in.sta, "fmax_mhz", in.where_sta, "1000 / critical path");
    r["clock_period_ns"] = period;
    if (auto v = maybe(in.sta, "wns_ns")) r["wns_ns"] = *v;
    r["fmax_mhz"] = fmax;
    r["power_mw"] = power;
    // mW x ns = pJ; 1e-6 pJ -> uJ.
    r["energy_per_image_uj"] = power * latency * period * 1e-6;
    if (fmax > 0) r["image_time_us_at_fmax"] = latency / fmax;
    if (in.sim) {
      const json& s = *in.sim;
      const json result = s.is_object() && s.contains("result") ? s["result"] : s;
      r["sim_images"] = whole(number(result, "vectors", in.where_sim + ": result", "images simulated"));
      r["sim_mismatches"] = whole(number(result, "mismatches", in.where_sim + ": result", "mismatching images"));
      if (auto v = maybe(result, "cycles_per_image")) r["sim_cycles_per_image"] = whole(*v);
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    if (a["F"] != b["F"]) return a["F"].get<std::int64_t>() < b["F"].get<std::int64_t>();
    return a["instance"].get<std::string>() < b["instance"].get<std::string>();
  });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i]["F"] == rows[i - 1]["F"])
      throw std::runtime_error("two designs with F = " + rows[i]["F"].dump() + ": " +
                               rows[i - 1]["instance"].get<std::string>() + " and " +
                               rows[i]["instance"].get<std::string>() + " (a banking table has one row per F)");
  // The yardstick: cycles(F) against cycles(F=1)/F.
  const auto one = std::find_if(rows.begin(), rows.end(), [](const json& r) { return r["F"] == 1; });
  if (one != rows.end()) {
    const double base = (*one)["latency_cycles"].get<double>();
    for (auto& r : rows) {
      const double ideal = base / r["F"].get<double>();
      r["ideal_cycles"] = ideal;
      r["scaling"] = r["latency_cycles"].get<double>() / ideal;
    }
  }
  return rows;
}

std::string banking_csv(const std::vector<json>& rows) {
  std::ostringstream out;
  const auto& cols = banking_columns();
  for (std::size_t c = 0; c < cols.size(); ++c) out << (c ? "," : "") << cols[c];
  out << '\n';
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (c) out << ',';
      const auto it = r.find(cols[c]);
      if (it == r.end()) continue;
      if (it->is_string()) {
        // Instance names hold '[', '=' and ','; quote them for CSV readers.
        std::string s = it->get<std::string>(), q = "\"";
        for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        out << q << '"';
      } else {
        out << it->dump();
      }
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace flowrun::cnn::report
