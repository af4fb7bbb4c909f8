// The content-addressed stage cache. A stage's key is the sha256 of its
// kind, version, the content hash of the plugin library that implements it,
// canonical params (with the content hash of every path param) and the
// content hashes of its inputs. A result is reused when the run directory
// already holds it (verified against the manifest's output hashes) or when
// the cache folder has it (copied into the run directory).
//
// The cache folder holds <dir>/<key[0:2]>/<key>/{manifest.json,out/}. An
// entry appears by one rename of a complete temporary folder, so a process
// killed while storing leaves only a temporary (<key>.tmp.<pid>) that is
// never read and that `flowrun cache prune` removes. The folder has a size
// limit (site key cache_max_size, $FLOWRUN_CACHE_MAX_SIZE, default 10 GiB):
// when a store takes the cache past it, the least recently used entries
// are evicted.
#pragma once

#include "stage_job.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace flowrun {

struct SiteConfig;

// 10 GiB: a few hundred full decoder/CNN flows, small next to a scratch disk.
constexpr std::uint64_t kDefaultCacheMaxBytes = 10ull << 30;

// "10G", "512M", "64k", "1T", a plain byte count, or "unlimited" (0).
// Throws std::invalid_argument naming what was expected.
std::uint64_t parse_byte_size(const std::string& text);
std::string format_byte_size(std::uint64_t bytes);  // "1.5 GiB"

// The limit in force: $FLOWRUN_CACHE_MAX_SIZE, else the site's
// cache_max_size, else kDefaultCacheMaxBytes (0: no limit). Throws
// std::invalid_argument for an unreadable value, naming where it came from.
std::uint64_t cache_max_bytes(const SiteConfig& site);

struct CacheStats {
  std::size_t entries = 0;
  std::uint64_t bytes = 0;
  std::size_t temporaries = 0;  // left by processes killed while storing
  std::uint64_t temporary_bytes = 0;
};

struct PruneResult {
  std::size_t evicted = 0;
  std::uint64_t evicted_bytes = 0;
  std::size_t temporaries_removed = 0;
  CacheStats after;
};

class Cache {
 public:
  // max_bytes 0: no limit.
  Cache(fs::path dir, bool enabled, std::uint64_t max_bytes = kDefaultCacheMaxBytes)
      : dir_(std::move(dir)), enabled_(enabled), max_bytes_(max_bytes) {}

  // Fills job.cache_key and job.key_material.
  static void compute_key(StageJob& job);

  std::optional<StageOutcome> lookup(const StageJob& job) const;
  // Stores a finished stage's result, then evicts least recently used
  // entries if the cache went past its limit.
  void store(const StageJob& job, const StageOutcome& outcome) const;

  CacheStats stats() const;
  // Evicts least recently used entries until the cache holds at most
  // max_bytes (0: evicts nothing), and removes temporaries older than
  // temporary_age (those of live processes are younger).
  PruneResult prune(std::uint64_t max_bytes,
                    std::chrono::seconds temporary_age = std::chrono::hours(1)) const;
  // Removes every entry and temporary; leaves everything else in the folder.
  CacheStats clear() const;

  const fs::path& dir() const { return dir_; }
  bool enabled() const { return enabled_; }
  std::uint64_t max_bytes() const { return max_bytes_; }

 private:
  fs::path entry(const std::string& key) const { return dir_ / key.substr(0, 2) / key; }
  void evict_if_over_limit(std::uint64_t added) const;

  fs::path dir_;
  bool enabled_;
  std::uint64_t max_bytes_;
  // What this process believes the folder holds; -1 until first scanned.
  mutable std::mutex size_mutex_;
  mutable std::int64_t known_bytes_ = -1;
};

}  // namespace flowrun
