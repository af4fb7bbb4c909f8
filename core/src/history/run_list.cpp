#include "run_list.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace flowrun {

namespace {

constexpr size_t kDefaultMetrics = 4;

const json* metric_of(const PastStage& st, const std::string& name) {
  auto it = st.metrics.find(name);
  return it == st.metrics.end() ? nullptr : &*it;
}

}  // namespace

std::string format_value(const json& v) {
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::vector<NamedValue> pick_metrics(const PastRun& run, const std::vector<std::string>& wanted,
                                     const KeyMetricsOf& key_metrics) {
  std::vector<NamedValue> picked;
  if (!wanted.empty()) {
    for (const auto& w : wanted) {
      // Metric names have no dots; stage names may ("ga[eps=0.5]").
      const auto dot = w.rfind('.');
      if (dot != std::string::npos) {
        const PastStage* st = run.find(w.substr(0, dot));
        const json* v = st ? metric_of(*st, w.substr(dot + 1)) : nullptr;
        picked.emplace_back(w, v ? *v : json());
        continue;
      }
      NamedValue found{w, json()};
      for (const auto& st : run.stages)
        if (const json* v = metric_of(st, w)) found = {st.name + "." + w, *v};
      picked.push_back(found);
    }
    return picked;
  }
  for (auto it = run.stages.rbegin(); it != run.stages.rend() && picked.size() < kDefaultMetrics;
       ++it) {
    const PastStage& st = *it;
    std::vector<std::string> names;
    for (const auto& k : key_metrics ? key_metrics(st.kind) : std::vector<std::string>{})
      if (metric_of(st, k) && !is_timing_metric(k)) names.push_back(k);
    if (names.empty())
      for (const auto& [k, _] : st.metrics.items())
        if (!is_timing_metric(k) && names.size() < 2) names.push_back(k);
    // Flow order reads best: earlier stages' metrics first.
    std::vector<NamedValue> mine;
    for (const auto& k : names)
      if (picked.size() + mine.size() < kDefaultMetrics) mine.emplace_back(st.name + "." + k, st.metrics[k]);
    picked.insert(picked.begin(), mine.begin(), mine.end());
  }
  return picked;
}

std::string stage_counts(const PastRun& run) {
  std::map<std::string, int> counts;
  for (const auto& st : run.stages) ++counts[st.status];
  std::string detail;
  for (const char* s : {"ok", "cached", "failed", "skipped"})
    if (counts.count(s)) detail += (detail.empty() ? "" : ", ") + std::to_string(counts[s]) + " " + s;
  for (const auto& [s, n] : counts)
    if (s != "ok" && s != "cached" && s != "failed" && s != "skipped")
      detail += (detail.empty() ? "" : ", ") + std::to_string(n) + " " + (s.empty() ? "?" : s);
  return std::to_string(run.stages.size()) + (detail.empty() ? "" : " (" + detail + ")");
}

void print_run_table(std::ostream& out, const std::vector<PastRun>& runs,
                     const std::vector<std::vector<NamedValue>>& metrics) {
  std::vector<std::vector<std::string>> rows = {
      {"time (UTC)", "run", "flow", "status", "stages", "seconds", "metrics"}};
  for (size_t i = 0; i < runs.size(); ++i) {
    const PastRun& r = runs[i];
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", r.seconds);
    std::string m;
    for (const auto& [name, v] : metrics[i])
      m += (m.empty() ? "" : " ") + name + "=" + (v.is_null() ? "-" : format_value(v));
    rows.push_back({r.time.empty() ? "?" : r.time, r.dir.generic_string(),
                    r.flow.empty() ? "?" : r.flow, r.status, stage_counts(r),
                    r.status == "incomplete" ? "-" : secs, m});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

json runs_to_json(const std::vector<PastRun>& runs,
                  const std::vector<std::vector<NamedValue>>& metrics) {
  json list = json::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    const PastRun& r = runs[i];
    json counts = json::object();
    for (const auto& st : r.stages) counts[st.status] = counts.value(st.status, 0) + 1;
    json m = json::object();
    for (const auto& [name, v] : metrics[i]) m[name] = v;
    list.push_back({{"dir", r.dir.generic_string()},
                    {"flow", r.flow},
                    {"run_id", r.run_id},
                    {"time", r.time},
                    {"status", r.status},
                    {"seconds", r.seconds},
                    {"stages", r.stages.size()},
                    {"stage_status", counts},
                    {"metrics", m}});
  }
  return list;
}

}  // namespace flowrun
