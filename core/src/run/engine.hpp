// The scheduler: runs a validated flow's stages in dependency order, up to
// `jobs` at a time, through the cache and an executor, and writes the run
// directory's report.json.
#pragma once

#include "cache.hpp"
#include "executor.hpp"
#include "flow_model.hpp"
#include "progress.hpp"
#include "stage_job.hpp"

#include <atomic>
#include <functional>
#include <map>

namespace flowrun {

struct RunOptions {
  fs::path run_dir;  // absolute
  int jobs = 1;
};

struct StageRecord {
  const StageInstance* instance = nullptr;
  StageOutcome outcome;
  // When the scheduler handed the stage out and got its outcome back, in
  // seconds since the run started (cache lookup included); -1 when it never
  // ran (skipped). They draw the run's timeline.
  double started_s = -1;
  double finished_s = -1;
};

struct RunSummary {
  bool ok = true;
  double seconds = 0;
  std::string run_id;
  std::map<std::string, StageRecord> stages;
};

// The job for one instance, given the outputs (manifest "outputs" objects)
// of the stages it reads from. Used by the scheduler and by `run-stage`.
StageJob build_job(const Flow& flow, const StageInstance& inst, const fs::path& run_dir,
                   const std::function<json(const std::string& instance)>& outputs_of);

RunSummary run_flow(const Flow& flow, const RunOptions& options, const Cache& cache,
                    Executor& executor, ProgressBoard& board, const std::atomic<bool>& cancel);

// Every instance a stage waits for (through inputs or `after`).
std::vector<std::string> dependencies(const StageInstance& inst);

}  // namespace flowrun
