#include "run_diff.hpp"

#include <cstdio>
#include <set>

namespace flowrun {

namespace {

json pair_of(const json& a, const json& b) { return {{"a", a}, {"b", b}}; }

// Success, failure or not run: ok and cached are the same result.
std::string status_class(const std::string& s) { return s == "cached" ? "ok" : s; }

json field(const json& manifest, const char* key) {
  return manifest.is_object() && manifest.contains(key) ? manifest[key] : json();
}

// Keys of two JSON objects, each once, sorted.
std::set<std::string> keys_of(const json& a, const json& b) {
  std::set<std::string> keys;
  for (const json* j : {&a, &b})
    if (j->is_object())
      for (const auto& [k, _] : j->items()) keys.insert(k);
  return keys;
}

json value_at(const json& obj, const std::string& key) {
  return obj.is_object() && obj.contains(key) ? obj[key] : json();
}

// An input port's sources and their hashes (paths are the run's own).
json input_hashes(const json& refs) {
  json out = json::array();
  if (!refs.is_array()) return out;
  for (const auto& r : refs)
    out.push_back({{"source", value_at(r, "source")}, {"sha256", value_at(r, "sha256")}});
  return out;
}

json output_hash(const json& out) { return out.is_object() ? value_at(out, "sha256") : out; }

// Changed entries of two objects, {"key": {"a": .., "b": ..}}, through `view`.
template <typename View>
json changed_entries(const json& a, const json& b, View view) {
  json changed = json::object();
  for (const auto& k : keys_of(a, b)) {
    json va = a.is_object() && a.contains(k) ? view(a[k]) : json();
    json vb = b.is_object() && b.contains(k) ? view(b[k]) : json();
    if (va != vb) changed[k] = pair_of(va, vb);
  }
  return changed;
}

json metric_changes(const json& a, const json& b, bool timing) {
  json changed = json::object();
  for (const auto& k : keys_of(a, b)) {
    if (is_timing_metric(k) != timing) continue;
    const json va = value_at(a, k), vb = value_at(b, k);
    if (va == vb) continue;
    json entry = pair_of(va, vb);
    if (va.is_number() && vb.is_number()) entry["delta"] = vb.get<double>() - va.get<double>();
    changed[k] = entry;
  }
  return changed;
}

}  // namespace

std::string short_hash(const json& h) {
  return h.is_string() ? h.get<std::string>().substr(0, 12) : "(none)";
}

// Params and metrics in full precision: a diff must not hide a change.
std::string value_text(const json& v) { return v.is_null() ? "(none)" : v.dump(); }

std::string inputs_text(const json& refs) {
  if (!refs.is_array() || refs.empty()) return "(none)";
  std::string s;
  for (const auto& r : refs)
    s += (s.empty() ? "" : ", ") + r.value("source", std::string("?")) + "@" + short_hash(r["sha256"]);
  return s;
}

std::string delta_text(const json& entry) {
  if (!entry.contains("delta")) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, " (%+.4g)", entry["delta"].get<double>());
  return buf;
}

std::string seconds_text(const json& s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s.get<double>());
  return buf;
}

json run_header(const PastRun& run) {
  return {{"dir", run.dir.generic_string()}, {"flow", run.flow}, {"run_id", run.run_id},
          {"time", run.time}, {"status", run.status}};
}

json diff_runs(const PastRun& a, const PastRun& b, const DiffOptions& options) {
  json stages = json::array();
  json unchanged = json::array();
  json timing = json::array();
  // A's flow order, then the stages only B has, in B's order.
  std::vector<std::string> names;
  for (const auto& s : a.stages) names.push_back(s.name);
  for (const auto& s : b.stages)
    if (!a.find(s.name)) names.push_back(s.name);

  for (const auto& name : names) {
    const PastStage* sa = a.find(name);
    const PastStage* sb = b.find(name);
    if (!sa || !sb) {
      const PastStage& only = sa ? *sa : *sb;
      stages.push_back({{"stage", name}, {"only_in", sa ? "a" : "b"}, {"kind", only.kind},
                        {"status", only.status}});
      continue;
    }
    json d = json::object();
    if (sa->kind != sb->kind) d["kind"] = pair_of(sa->kind, sb->kind);
    if (status_class(sa->status) != status_class(sb->status))
      d["status"] = pair_of(sa->status, sb->status);
    const json& ma = sa->manifest;
    const json& mb = sb->manifest;
    // Kind and version, params and hashes are compared where both stages ran.
    if (ma.is_object() && mb.is_object()) {
      if (field(ma, "version") != field(mb, "version") && sa->kind == sb->kind)
        d["version"] = pair_of(field(ma, "version"), field(mb, "version"));
      json params = changed_entries(field(ma, "params"), field(mb, "params"),
                                    [](const json& v) { return v; });
      if (!params.empty()) d["params"] = params;
      json inputs = changed_entries(field(ma, "inputs"), field(mb, "inputs"), input_hashes);
      if (!inputs.empty()) d["inputs"] = inputs;
      json outputs = changed_entries(field(ma, "outputs"), field(mb, "outputs"), output_hash);
      if (!outputs.empty()) d["outputs"] = outputs;
    }
    json metrics = metric_changes(sa->metrics, sb->metrics, false);
    if (!metrics.empty()) d["metrics"] = metrics;
    if (d.empty()) {
      unchanged.push_back(name);
    } else {
      stages.push_back({{"stage", name}, {"kind", sa->kind}, {"changes", d}});
    }
    if (options.timing) {
      json t = {{"stage", name},
                {"status", pair_of(sa->status, sb->status)},
                {"seconds", pair_of(sa->seconds, sb->seconds)}};
      json tm = metric_changes(sa->metrics, sb->metrics, true);
      if (!tm.empty()) t["metrics"] = tm;
      timing.push_back(t);
    }
  }
  json out = {{"a", run_header(a)}, {"b", run_header(b)}};
  const bool flow_differs = a.flow != b.flow;
  if (flow_differs) out["flow"] = pair_of(a.flow, b.flow);
  out["differ"] = flow_differs || !stages.empty();
  out["stages"] = stages;
  out["unchanged"] = unchanged;
  if (options.timing) {
    out["seconds"] = pair_of(a.seconds, b.seconds);
    out["timing"] = timing;
  }
  return out;
}

}  // namespace flowrun
