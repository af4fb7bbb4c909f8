// `flowrun diff`: what changed between two runs, stage by stage.
#pragma once

#include "past_run.hpp"

#include <ostream>

namespace flowrun {

struct DiffOptions {
  // Also report times (stage seconds, metrics in seconds, ok vs cached);
  // they vary from run to run and never count as differences.
  bool timing = false;
};

// The comparison as JSON (the `--json` form, documented in
// docs/command-line.md); "differ" says whether anything counted changed:
// stages present in one run only, kind, version, status (ok/cached vs
// failed vs skipped), params, input and output hashes, metrics.
// Both runs need their manifests (read_run(..., true)).
json diff_runs(const PastRun& a, const PastRun& b, const DiffOptions& options);

// Renderings of diff_runs' result.
void print_diff_text(std::ostream& out, const json& diff);
void print_diff_html(std::ostream& out, const json& diff);

// Values as the renderings show them.
std::string short_hash(const json& sha256);     // 12 hex digits, or "(none)"
std::string value_text(const json& v);          // full precision; "(none)" for null
std::string inputs_text(const json& refs);      // "data.dataset@3f2a9c1d0b4e, ..."
std::string delta_text(const json& entry);      // " (+0.012)" for numbers, else ""
std::string seconds_text(const json& seconds);  // "1.23 s"

// A run in one line of the diff: {"dir", "flow", "run_id", "time", "status"}.
json run_header(const PastRun& run);

}  // namespace flowrun
