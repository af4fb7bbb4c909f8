// Stage resources: the text forms a flow and a site file use (`threads: 4`,
// `threads: "up to 8"`, `threads: all`, `mem: 8G`, `time: 30m`) and how the
// local scheduler shares its thread budget (docs/architecture.md#resources).
#pragma once

#include <flowrun/spec.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace flowrun {

// A stage instance's resources after the flow's overrides.
struct StageResources {
  ResourceSpec spec;         // threads and memory (the stage's, then the flow's)
  std::int64_t time_s = 0;   // wall-time limit (every executor); 0: none
};

// Each returns nullopt and sets `error` to what was expected.
std::optional<ThreadUse> parse_threads(const std::string& text, std::string& error);
std::optional<std::int64_t> parse_mem_mb(const std::string& text, std::string& error);
std::optional<std::int64_t> parse_duration_s(const std::string& text, std::string& error);

std::string to_string(const ThreadUse& t);      // "4", "up to 8", "all", "any"
std::string mem_to_string(std::int64_t mb);     // "512M", "8G"
std::string duration_to_string(std::int64_t s);  // "1h30m", "45s"

// The local thread budget, shared out by the scheduler.
struct ThreadBudget {
  int total = 1;  // cores or -j
  int used = 0;
  std::int64_t mem_total_mb = 0;  // the machine's memory; 0: not limited
  std::int64_t mem_used_mb = 0;

  // Threads to give a stage now, or 0 when it has to wait for others to
  // finish. `ready` counts the stages ready at this moment (this one
  // included): an "up to" stage gets an even share of the free threads, so
  // eight ready instances on two cores run two at a time with one thread each.
  int grant(const ResourceSpec& r, int ready, bool nothing_running) const;
  // Smallest and largest thread count a stage can run with under `total`.
  int min_threads(const ThreadUse& t) const;
  int max_threads(const ThreadUse& t) const;
};

// The machine's physical memory in MiB (0 when unknown).
std::int64_t physical_memory_mb();

}  // namespace flowrun
