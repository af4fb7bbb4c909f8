// How a ready stage gets run. The scheduler hands each job to an Executor:
//   local   - in this process (fast; a crashing plugin takes flowrun down)
//   isolate - in a child process running `flowrun run-stage ...`, so a
//             segfault or abort fails only that stage
// A cluster executor launches the same per-stage command on another
// machine; the run directory is the only thing the two sides share.
#pragma once

#include "site_config.hpp"
#include "stage_exec.hpp"
#include "stage_job.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flowrun {

struct ExecutorEnv {
  const SiteConfig* site = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  // The command that re-opens this flow in another process, without the
  // per-stage arguments: {flowrun, run-stage, FLOW, --site, S, --set, ...}.
  std::vector<std::string> stage_command;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  // Runs the job; must leave the stage's manifest in the run directory.
  virtual StageOutcome run(const StageJob& job, const ProgressSink& sink) = 0;

  // A cluster executor: the cluster owns CPUs and memory, so the scheduler
  // hands out every ready stage at once instead of sharing local cores, and
  // job.threads is what the job asks for (0: a whole node).
  virtual bool remote() const { return false; }
  // Whether run_batch does better than one run() per job (a job array).
  virtual bool batches() const { return false; }
  // Runs ready instances of one swept stage together; calls done(i, outcome)
  // as each finishes (from this thread). Default: one after the other.
  virtual void run_batch(const std::vector<StageJob>& jobs, const std::vector<ProgressSink>& sinks,
                         const std::function<void(size_t, StageOutcome)>& done) {
    for (size_t i = 0; i < jobs.size(); ++i) done(i, run(jobs[i], sinks[i]));
  }
};

// Known names: "local", "isolate", "slurm". Returns null for an unknown name.
std::unique_ptr<Executor> make_executor(const std::string& name, const ExecutorEnv& env);
std::vector<std::string> executor_names();

// The per-stage command for a job: env.stage_command plus the arguments
// naming the run directory, the instance and its thread budget.
std::vector<std::string> stage_command_for(const ExecutorEnv& env, const StageJob& job);

// The outcome of a stage that gave none itself (its job ended before the
// stage process started, its executor failed): failed with `error`, nothing
// of its folder trusted, and a failed manifest there when it can be written.
StageOutcome failed_without_result(const StageJob& job, const std::string& error, double seconds = 0);

// Parses a "FLOWRUN_PROGRESS <fraction> <status>" line a child prints.
bool parse_progress_line(std::string_view line, double& fraction, std::string& status);

}  // namespace flowrun
