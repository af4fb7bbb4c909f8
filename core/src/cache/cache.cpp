#include "cache.hpp"

#include "code_identity.hpp"
#include "hashing.hpp"
#include "site_config.hpp"
#include "stage_exec.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace flowrun {

std::uint64_t parse_byte_size(const std::string& text) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += static_cast<char>(std::tolower(c));
  if (t == "unlimited" || t == "none") return 0;
  const auto bad = [&] {
    return std::invalid_argument("'" + text +
                                 "' is not a size (expected a byte count or a number with "
                                 "K, M, G or T, e.g. 500M or 20G, or 'unlimited')");
  };
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(t, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  if (!(value >= 0) || !std::isfinite(value)) throw bad();
  std::string unit = t.substr(used);
  if (unit.ends_with("ib")) unit.erase(unit.size() - 2);
  else if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
  static const std::string units = "kmgt";
  double scale = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos)
    scale = std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
  else if (!unit.empty() && unit != "b")
    throw bad();
  const double bytes = value * scale;
  if (bytes > 1.8e19) throw bad();
  return static_cast<std::uint64_t>(bytes);
}

std::string format_byte_size(std::uint64_t bytes) {
  static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, names[u]);
  return buf;
}

std::uint64_t cache_max_bytes(const SiteConfig& site) {
  if (const char* env = std::getenv("FLOWRUN_CACHE_MAX_SIZE"); env && *env) {
    try {
      return parse_byte_size(env);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("FLOWRUN_CACHE_MAX_SIZE: ") + e.what());
    }
  }
  const json v = site.value("cache_max_size");
  if (v.is_null()) return kDefaultCacheMaxBytes;
  try {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_string()) return parse_byte_size(v.get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(site.file.string() + ": cache_max_size: " + e.what());
  }
  throw std::invalid_argument(site.file.string() + ": cache_max_size: expected a size such as 20G");
}

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
                      {"inputs", inputs}, {"code", stage_code_identity(*inst.stage).sha256}};
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

std::uint64_t tree_bytes(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_directory(p, ec)) return fs::is_regular_file(p, ec) ? fs::file_size(p, ec) : 0;
  std::uint64_t n = 0;
  for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) n += it->file_size(fec);
  }
  return n;
}

bool is_key(const std::string& name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

bool is_shard(const std::string& name) {
  return name.size() == 2 && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

struct Found {
  fs::path path;
  std::uint64_t bytes = 0;
  fs::file_time_type used;
  bool temporary = false;  // <key>.tmp.<pid>, <key>.evict.<pid> or an entry without manifest
};

// Every entry and temporary of a cache folder. Only <hex2>/<key...> names
// are ever looked at, so a cache_dir pointed at a folder with other
// content never loses that content.
std::vector<Found> scan(const fs::path& dir) {
  std::vector<Found> found;
  std::error_code ec;
  for (const auto& shard : fs::directory_iterator(dir, ec)) {
    if (!shard.is_directory(ec) || !is_shard(shard.path().filename().string())) continue;
    std::error_code sec;
    for (const auto& e : fs::directory_iterator(shard.path(), sec)) {
      const std::string name = e.path().filename().string();
      if (name.size() < 64 || !is_key(name.substr(0, 64))) continue;
      Found f;
      f.path = e.path();
      std::error_code tec;
      f.used = fs::last_write_time(e.path(), tec);
      const json m = name.size() == 64 ? read_manifest(e.path()) : json();
      f.temporary = !m.is_object();
      if (m.is_object() && m.contains("bytes") && m["bytes"].is_number_unsigned())
        f.bytes = m["bytes"].get<std::uint64_t>();
      else
        f.bytes = tree_bytes(e.path());
      found.push_back(std::move(f));
    }
  }
  return found;
}

// Removes an entry so that no reader ever sees it half-removed: first a
// rename out of the key's name (atomic), then the deletion.
bool remove_entry(const fs::path& p) {
  std::error_code ec;
  fs::path gone = p;
  gone += ".evict." + std::to_string(::getpid());
  fs::rename(p, gone, ec);
  if (ec) return false;  // someone else evicted it first
  fs::remove_all(gone, ec);
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
    // The copy is checked against the hashes: an entry evicted or damaged
    // while it was copied is never trusted.
    if (!outputs_intact(job.run_dir, o.outputs)) {
      discard_outputs(dir);
      return std::nullopt;
    }
    // Least recently *used*: a hit makes the entry young again.
    std::error_code ec;
    fs::last_write_time(e, fs::file_time_type::clock::now(), ec);
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
  const std::uint64_t bytes = tree_bytes(job.stage_dir() / "out");
  // A result larger than the whole cache would only evict everything else.
  if (max_bytes_ != 0 && bytes > max_bytes_) return;
  const fs::path tmp = e.string() + ".tmp." + std::to_string(::getpid());
  try {
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    fs::copy(job.stage_dir() / "out", tmp / "out", fs::copy_options::recursive);
    json m = read_manifest(job.stage_dir());
    m["dir"] = job.instance->dir;
    m["bytes"] = bytes;
    write_file_atomic(tmp / "manifest.json", m.dump(2));
    fs::rename(tmp, e, ec);  // another process may have stored it first
    if (ec) {
      fs::remove_all(tmp, ec);
      return;
    }
  } catch (const std::exception&) {
    // A cache that cannot be written (full, read-only) is only slower;
    // the temporary is never read, and is removed here or by prune.
    fs::remove_all(tmp, ec);
    return;
  }
  evict_if_over_limit(bytes);
}

void Cache::evict_if_over_limit(std::uint64_t added) const {
  if (max_bytes_ == 0) return;
  std::lock_guard lock(size_mutex_);
  // Scanning the folder costs a directory walk, so it happens once per
  // process and then only when the running total says the limit is near.
  if (known_bytes_ < 0) {
    known_bytes_ = static_cast<std::int64_t>(stats().bytes);
  } else {
    known_bytes_ += static_cast<std::int64_t>(added);
  }
  if (static_cast<std::uint64_t>(known_bytes_) <= max_bytes_) return;
  known_bytes_ = static_cast<std::int64_t>(prune(max_bytes_).after.bytes);
}

CacheStats Cache::stats() const {
  CacheStats s;
  for (const auto& f : scan(dir_)) {
    if (f.temporary) {
      ++s.temporaries;
      s.temporary_bytes += f.bytes;
    } else {
      ++s.entries;
      s.bytes += f.bytes;
    }
  }
  return s;
}

PruneResult Cache::prune(std::uint64_t max_bytes, std::chrono::seconds temporary_age) const {
  PruneResult r;
  std::vector<Found> found = scan(dir_);
  const auto now = fs::file_time_type::clock::now();
  std::vector<Found> entries;
  for (auto& f : found) {
    if (!f.temporary) {
      entries.push_back(std::move(f));
    } else if (now - f.used > temporary_age) {
      std::error_code ec;
      fs::remove_all(f.path, ec);
      if (!ec) ++r.temporaries_removed;
    } else {
      ++r.after.temporaries;
      r.after.temporary_bytes += f.bytes;
    }
  }
  std::uint64_t total = 0;
  for (const auto& f : entries) total += f.bytes;
  // Oldest use first; the path breaks ties so the order is deterministic.
  std::sort(entries.begin(), entries.end(), [](const Found& a, const Found& b) {
    return a.used != b.used ? a.used < b.used : a.path < b.path;
  });
  size_t i = 0;
  for (; max_bytes != 0 && total > max_bytes && i < entries.size(); ++i) {
    if (remove_entry(entries[i].path)) {
      ++r.evicted;
      r.evicted_bytes += entries[i].bytes;
    }
    total -= entries[i].bytes;
  }
  r.after.entries = entries.size() - i;
  r.after.bytes = total;
  return r;
}

CacheStats Cache::clear() const {
  CacheStats removed;
  for (const auto& f : scan(dir_)) {
    std::error_code ec;
    if (f.temporary) {
      fs::remove_all(f.path, ec);
      if (!ec) ++removed.temporaries;
    } else if (remove_entry(f.path)) {
      ++removed.entries;
      removed.bytes += f.bytes;
    }
  }
  // Empty shard folders go too; a non-empty one holds something not ours.
  std::error_code ec;
  for (const auto& shard : fs::directory_iterator(dir_, ec))
    if (is_shard(shard.path().filename().string())) {
      std::error_code rec;
      fs::remove(shard.path(), rec);
    }
  return removed;
}

}  // namespace flowrun
