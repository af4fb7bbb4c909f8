// One stage instance, ready to run: where it runs, what it reads, and the
// outcome it reports back. Shared by the scheduler, every executor and the
// per-stage child process (`flowrun run-stage`).
#pragma once

#include "flow_model.hpp"

#include <flowrun/spec.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flowrun {

struct ArtifactRef {
  std::string source;  // producing instance ("" for a file from the flow)
  fs::path path;       // absolute
  std::string sha256;
  json source_params;  // the producer's resolved params (null for files)
};

struct StageJob {
  const StageInstance* instance = nullptr;
  fs::path run_dir;    // absolute
  std::map<std::string, std::vector<ArtifactRef>> inputs;  // port -> artifacts
  std::string cache_key;
  json key_material;   // what went into the cache key (kept in the manifest)
  int threads = 1;  // local: the scheduler's grant; cluster: CPUs to ask for (0: a whole node)

  fs::path stage_dir() const { return run_dir / instance->dir; }
};

enum class StageStatus { Pending, Running, Ok, Cached, Failed, Skipped };
const char* to_string(StageStatus s);

struct StageOutcome {
  StageStatus status = StageStatus::Failed;
  double seconds = 0;      // the whole stage, engine work included
  double run_seconds = 0;  // inside the stage's own run()
  json metrics = json::object();
  json outputs = json::object();  // port -> {"path": "<dir>/out/x", "sha256": ...}
  std::string error;
  // Cluster executors: the job that ran the stage ({"scheduler": "slurm",
  // "job_id": "12_3", "state": ..., "reason": ...}); null for local stages.
  json job;
};

}  // namespace flowrun
