// The Slurm executor (`--executor slurm`, docs/cluster.md): every stage runs
// as the same `flowrun run-stage` process that --isolate starts, submitted
// with sbatch (an argv, never a shell string made from flow data), one job
// per stage and one job array for the ready instances of a swept stage.
// flowrun follows its jobs with squeue (scontrol/sacct for the details),
// reads progress from the jobs' output files, maps the end of a job
// (non-zero exit, time limit, out of memory, node failure, cancelled) into
// the stage's status and error, resubmits after node failures, and cancels
// its jobs with scancel on Ctrl-C or SIGTERM. The run directory is the only
// thing both sides share, so it must be on a file system every node sees.
#pragma once

#include "executor.hpp"

#include <memory>

namespace flowrun {

std::unique_ptr<Executor> make_slurm_executor(const ExecutorEnv& env);

// The fixed batch script every job runs (it contains no flow data):
// arguments COUNT STAGE_0 .. STAGE_{COUNT-1} PROGRAM ARGS...; array task i
// (0 for a plain job) execs PROGRAM ARGS... --stage STAGE_i --threads CPUS.
const char* slurm_batch_script();

// How one Slurm job state ends a stage.
struct SlurmEnd {
  bool terminal = false;  // the job is over
  bool retry = false;     // a node failure: worth resubmitting
  std::string what;       // "ran out of memory", ... ("" for COMPLETED)
};
SlurmEnd classify_slurm_state(const std::string& state);

}  // namespace flowrun

namespace flowrun {

// Where run directories go by default: the site's `slurm.run_root` for the
// Slurm executor (a folder every node sees), else ./runs.
fs::path default_run_root(const SiteConfig& site, const std::string& executor);

}  // namespace flowrun
