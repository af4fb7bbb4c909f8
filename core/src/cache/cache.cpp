#include "cache.hpp"

#include "hashing.hpp"
#include "stage_exec.hpp"

#include <unistd.h>

namespace flowrun {

void Cache::compute_key(StageJob& job) {
  const StageInstance& inst = *job.instance;
  const StageSpec& spec = inst.stage->spec();
  json params = inst.params;
  for (const auto& p : spec.params) {
    if (p.type != ParamType::Path || !params.contains(p.name)) continue;
    const std::string path = params[p.name].get<std::string>();
    std::error_code ec;
    params[p.name] = {{"path", path},
                      {"sha256", !path.empty() && fs::exists(path, ec) ? sha256_path(path) : ""}};
  }
  json inputs = json::object();
  for (const auto& [port, refs] : job.inputs) {
    json list = json::array();
    for (const auto& r : refs) list.push_back(r.sha256);
    inputs[port] = list;
  }
  job.key_material = {{"kind", inst.kind}, {"version", spec.version}, {"params", params},
                      {"inputs", inputs}};
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  job.cache_key = sha256_hex(job.key_material.dump());
}

namespace {

// True when every output the manifest lists is present with its hash.
bool outputs_intact(const fs::path& run_dir, const json& outputs) {
  for (const auto& [port, o] : outputs.items()) {
    const fs::path p = run_dir / o.value("path", "");
    std::error_code ec;
    if (!fs::exists(p, ec) || sha256_path(p) != o.value("sha256", "")) return false;
  }
  return true;
}

}  // namespace

std::optional<StageOutcome> Cache::lookup(const StageJob& job) const {
  if (!enabled_) return std::nullopt;
  const fs::path dir = job.stage_dir();
  // 1. The run directory already holds this exact result.
  json m = read_manifest(dir);
  if (m.is_object() && m.value("status", "") == "ok" && m.value("cache_key", "") == job.cache_key &&
      m.value("stage", "") == job.instance->name && outputs_intact(job.run_dir, m["outputs"])) {
    StageOutcome o = outcome_from_manifest(m);
    o.status = StageStatus::Cached;
    return o;
  }
  // 2. The cache folder has it: copy it into the run directory.
  const fs::path e = entry(job.cache_key);
  json stored = read_manifest(e);
  if (!stored.is_object() || stored.value("status", "") != "ok") return std::nullopt;
  try {
    fs::create_directories(dir);
    fs::remove(dir / "manifest.json");
    discard_outputs(dir);
    const fs::path tmp = dir / (".out.tmp." + std::to_string(::getpid()));
    fs::copy(e / "out", tmp, fs::copy_options::recursive);
    fs::rename(tmp, dir / "out");
    StageOutcome o = outcome_from_manifest(stored);
    json outputs = json::object();
    for (const auto& [port, out] : o.outputs.items()) {
      fs::path rel = fs::path(out.value("path", "")).lexically_relative(stored.value("dir", ""));
      outputs[port] = {{"path", (fs::path(job.instance->dir) / rel).generic_string()},
                       {"sha256", out.value("sha256", "")}};
    }
    o.outputs = outputs;
    if (!outputs_intact(job.run_dir, o.outputs)) {
      discard_outputs(dir);
      return std::nullopt;
    }
    o.status = StageStatus::Ok;  // the manifest says ok; the run reports cached
    write_manifest(job, o);
    o.status = StageStatus::Cached;
    return o;
  } catch (const std::exception&) {
    discard_outputs(dir);
    return std::nullopt;
  }
}

void Cache::store(const StageJob& job, const StageOutcome& outcome) const {
  if (!enabled_ || outcome.status != StageStatus::Ok) return;
  const fs::path e = entry(job.cache_key);
  std::error_code ec;
  if (fs::exists(e / "manifest.json", ec)) return;
  const fs::path tmp = e.string() + ".tmp." + std::to_string(::getpid());
  try {
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    fs::copy(job.stage_dir() / "out", tmp / "out", fs::copy_options::recursive);
    json m = read_manifest(job.stage_dir());
    m["dir"] = job.instance->dir;
    write_file_atomic(tmp / "manifest.json", m.dump(2));
    fs::rename(tmp, e, ec);  // another process may have stored it first
    if (ec) fs::remove_all(tmp, ec);
  } catch (const std::exception&) {
    fs::remove_all(tmp, ec);  // a cache that cannot be written is only slower
  }
}

}  // namespace flowrun
