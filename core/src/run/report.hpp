// <run>/report.json (the run directory contract, docs/architecture.md) and
// the summary table printed at the end of a run.
#pragma once

#include "engine.hpp"

#include <ostream>

namespace flowrun {

json make_report(const Flow& flow, const RunSummary& summary);
void write_report(const fs::path& run_dir, const json& report);
void print_summary_table(std::ostream& out, const Flow& flow, const RunSummary& summary);

}  // namespace flowrun
