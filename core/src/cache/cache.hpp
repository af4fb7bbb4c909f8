// The content-addressed stage cache. A stage's key is the sha256 of its
// kind, version, canonical params (with the content hash of every path
// param) and the content hashes of its inputs. A result is reused when the
// run directory already holds it (verified against the manifest's output
// hashes) or when the cache folder has it (copied into the run directory).
#pragma once

#include "stage_job.hpp"

#include <optional>

namespace flowrun {

class Cache {
 public:
  Cache(fs::path dir, bool enabled) : dir_(std::move(dir)), enabled_(enabled) {}

  // Fills job.cache_key and job.key_material.
  static void compute_key(StageJob& job);

  std::optional<StageOutcome> lookup(const StageJob& job) const;
  void store(const StageJob& job, const StageOutcome& outcome) const;

  const fs::path& dir() const { return dir_; }
  bool enabled() const { return enabled_; }

 private:
  fs::path entry(const std::string& key) const { return dir_ / key.substr(0, 2) / key; }
  fs::path dir_;
  bool enabled_;
};

}  // namespace flowrun
