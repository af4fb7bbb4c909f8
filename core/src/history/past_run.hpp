// A finished (or interrupted) run as it lies on disk: report.json and the
// stage manifests of a run directory (docs/architecture.md#run-directory).
// What `flowrun runs` lists and `flowrun diff` compares.
#pragma once

#include <flowrun/spec.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

// A run directory or report that cannot be read; what() names the file.
class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PastStage {
  std::string name;
  std::string kind;
  std::string status;  // ok | cached | failed | skipped
  double seconds = 0;
  json metrics = json::object();
  std::string dir;      // folder under the run directory
  std::string error;    // failed stages
  json manifest;        // the stage's manifest.json, when loaded and it belongs to this run
};

struct PastRun {
  fs::path dir;  // as found: relative when the user gave a relative folder
  std::string flow;
  std::string run_id;
  std::string status;   // ok | failed | incomplete (no report.json: running or killed)
  double seconds = 0;
  std::string time;     // "2026-12-05 13:05:18" (UTC), when the run started
  std::vector<PastStage> stages;  // flow order

  const PastStage* find(const std::string& stage) const;
};

// Reads a run directory (or its report.json). With manifests, each stage
// that ran in this run also gets its manifest (kind, version, params, input
// and output hashes). Throws HistoryError naming the file and the problem.
PastRun read_run(const fs::path& dir_or_report, bool with_manifests);

// Every run under root (root itself may be one), oldest first, each with the
// earlier runs kept in its .history folder (run_archive.hpp). Folders
// without report.json whose stage folders hold manifests are listed as
// `incomplete`. Unreadable runs are skipped and described in `problems`.
std::vector<PastRun> find_runs(const fs::path& root, std::vector<std::string>& problems);

// A stage folder named by report.json must stay inside the run directory:
// relative, without "..".
bool safe_relative(const fs::path& p);

// Wall-clock measurements vary from run to run: metrics whose name says
// they are in seconds (`sim_seconds`, `images_per_second`).
bool is_timing_metric(const std::string& name);

}  // namespace flowrun
