// Running one stage in this process: a fresh temporary output folder, the
// stage's run(), a check that every declared output exists, then an atomic
// rename into <stage>/out and the manifest. A stage that throws or is
// killed never leaves an out/ folder or an "ok" manifest behind, and a
// stage that ends on a full file system fails (its writes may be cut short).
#pragma once

#include "site_config.hpp"
#include "stage_job.hpp"

#include <atomic>
#include <cstdint>
#include <functional>

namespace flowrun {

struct ProgressSink {
  std::function<void(double fraction, std::string_view status)> progress;
};

// `time_limit_s` > 0 stops the stage at that wall time (stage_deadline.hpp);
// the per-stage child of --isolate and Slurm passes 0, its parent or the
// scheduler enforces the limit.
StageOutcome execute_stage(const StageJob& job, const SiteConfig& site,
                           const ProgressSink& sink, const std::atomic<bool>& cancel,
                           std::int64_t time_limit_s = 0);

// Manifest I/O (<stage>/manifest.json), always written atomically.
void write_manifest(const StageJob& job, const StageOutcome& outcome);
json read_manifest(const fs::path& stage_dir);  // null when absent or unreadable
StageOutcome outcome_from_manifest(const json& manifest);

// Removes outputs and temporaries of a stage that did not succeed.
void discard_outputs(const fs::path& stage_dir);

// Writes text to a file through a temporary file and a rename; throws with
// the system's reason (e.g. "No space left on device") and leaves no
// temporary behind.
void write_file_atomic(const fs::path& file, const std::string& text);

// Below this many free bytes a file system counts as full: a stage that
// finished there may have had writes cut short without noticing (a stream
// whose last flush failed silently), so its outputs are not trusted.
constexpr unsigned long long kDiskFullBytes = 64 * 1024;
// "" when dir's file system has room, else a sentence saying it is full.
std::string file_system_full(const fs::path& dir);

}  // namespace flowrun
