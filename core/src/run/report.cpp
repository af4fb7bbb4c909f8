#include "report.hpp"

#include "stage_exec.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace flowrun {

namespace {

// What report.html draws besides the contract fields: the stage's folder,
// where its inputs come from (the graph), which outputs are of which
// artifact type (plots), its key metrics and when it ran (the timeline).
void add_report_page_fields(json& s, const StageInstance& inst, const StageRecord& rec) {
  s["dir"] = inst.dir;
  if (!inst.description.empty()) s["description"] = inst.description;
  json inputs = json::object();
  for (const auto& [port, refs] : inst.inputs) {
    json list = json::array();
    for (const auto& ref : refs) {
      if (ref.stage.empty()) list.push_back({{"file", ref.file.generic_string()}});
      else list.push_back({{"stage", ref.stage}, {"port", ref.port}});
    }
    inputs[port] = list;
  }
  s["inputs"] = inputs;
  if (!inst.after.empty()) s["after"] = inst.after;
  if (inst.stage) {
    const StageSpec& spec = inst.stage->spec();
    json types = json::object();
    for (const auto& out : spec.outputs) types[out.name] = out.type;
    s["output_types"] = types;
    s["key_metrics"] = spec.key_metrics;
    s["version"] = spec.version;
  }
  if (rec.started_s >= 0) {
    s["started_s"] = rec.started_s;
    s["finished_s"] = rec.finished_s;
  }
}

}  // namespace

json make_report(const Flow& flow, const RunSummary& summary) {
  json stages = json::object();
  for (const auto& inst : flow.stages) {
    const StageRecord& rec = summary.stages.at(inst.name);
    const StageOutcome& o = rec.outcome;
    json outputs = json::object();
    for (const auto& [port, out] : o.outputs.items()) outputs[port] = out.value("path", "");
    json s = {{"kind", inst.kind},
              {"status", to_string(o.status)},
              {"seconds", o.seconds},
              {"metrics", o.metrics},
              {"outputs", outputs},
              {"log", (fs::path(inst.dir) / "log.txt").generic_string()}};
    if (!inst.matrix.empty()) s["matrix"] = inst.matrix;
    if (o.status == StageStatus::Failed) s["error"] = o.error;
    if (!o.job.is_null()) s["job"] = o.job;  // cluster executors: the job that ran it
    add_report_page_fields(s, inst, rec);
    stages[inst.name] = s;
  }
  // Keys of nlohmann::json objects are sorted; keep flow order visible too.
  json order = json::array();
  for (const auto& inst : flow.stages) order.push_back(inst.name);
  return {{"flow", flow.name},
          {"flow_file", flow.file.string()},
          {"run_id", summary.run_id},
          {"status", summary.ok ? "ok" : "failed"},
          {"seconds", summary.seconds},
          {"stage_order", order},
          {"stages", stages}};
}

void write_report(const fs::path& run_dir, const json& report) {
  write_file_atomic(run_dir / "report.json", report.dump(2) + "\n");
}

namespace {

std::string format_metric(const std::string& name, const json& v) {
  std::ostringstream s;
  s << name << "=";
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    s << buf;
  } else if (v.is_string()) {
    s << v.get<std::string>();
  } else {
    s << v.dump();
  }
  return s.str();
}

}  // namespace

void print_summary_table(std::ostream& out, const Flow& flow, const RunSummary& summary) {
  size_t width = 5;
  for (const auto& inst : flow.stages) width = std::max(width, inst.name.size());
  out << std::left << std::setw(static_cast<int>(width) + 2) << "stage" << std::setw(9) << "status"
      << std::setw(10) << "time" << "metrics\n";
  for (const auto& inst : flow.stages) {
    const StageOutcome& o = summary.stages.at(inst.name).outcome;
    char t[32];
    std::snprintf(t, sizeof t, "%.2fs", o.seconds);
    std::string metrics;
    const auto& keys = inst.stage->spec().key_metrics;
    int shown = 0;
    for (const auto& [k, v] : o.metrics.items()) {
      if (!keys.empty() && std::find(keys.begin(), keys.end(), k) == keys.end()) continue;
      if (keys.empty() && shown++ == 4) {
        metrics += " ...";
        break;
      }
      metrics += (metrics.empty() ? "" : " ") + format_metric(k, v);
    }
    if (o.status == StageStatus::Failed) metrics = o.error.substr(0, 120);
    out << std::left << std::setw(static_cast<int>(width) + 2) << inst.name << std::setw(9)
        << to_string(o.status) << std::setw(10) << t << metrics << "\n";
  }
  char total[64];
  std::snprintf(total, sizeof total, "%.2f", summary.seconds);
  out << (summary.ok ? "flow ok" : "flow FAILED") << " in " << total << " s\n";
}

}  // namespace flowrun
