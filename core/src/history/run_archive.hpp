// Earlier runs of one run directory. A new run replaces the stage folders
// and report.json of the last one; before it does, flowrun keeps that run's
// report.json and stage manifests under RUN_DIR/.history/<run id>/ (the
// newest kKeptRuns), laid out like a run directory, so `flowrun runs` lists
// them and `flowrun diff` compares them like any other run.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

inline constexpr const char* kHistoryFolder = ".history";  // not a stage name: those start with a letter or '_'
inline constexpr std::size_t kKeptRuns = 20;

// Keeps the run in run_dir (when it has a report.json) under
// run_dir/.history/<its run id>/ and drops the oldest beyond kKeptRuns.
// Problems (an unreadable report, a full disk) are written to `warn` and
// never stop the new run. Returns the folder written, or "" when none.
fs::path keep_previous_run(const fs::path& run_dir, std::ostream& warn);

// The kept runs of run_dir, oldest first.
std::vector<fs::path> kept_runs(const fs::path& run_dir);

}  // namespace flowrun
