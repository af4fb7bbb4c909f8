// `flowrun runs`: a table (or JSON) of past runs with a few key metrics.
#pragma once

#include "past_run.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace flowrun {

// The key metrics a stage kind declares (StageSpec::key_metrics), when its
// plugin is loaded; empty otherwise.
using KeyMetricsOf = std::function<std::vector<std::string>(const std::string& kind)>;

using NamedValue = std::pair<std::string, json>;  // "stage.metric", value

// The metrics shown for a run. `wanted` entries are STAGE.METRIC or METRIC
// (the last stage in flow order that has it). Without any, the run's last
// stages that recorded metrics give theirs: the kind's key metrics, else
// the first by name, never timings; up to four in all.
std::vector<NamedValue> pick_metrics(const PastRun& run, const std::vector<std::string>& wanted,
                                     const KeyMetricsOf& key_metrics);

// "10 (8 ok, 2 cached)"
std::string stage_counts(const PastRun& run);

void print_run_table(std::ostream& out, const std::vector<PastRun>& runs,
                     const std::vector<std::vector<NamedValue>>& metrics);
json runs_to_json(const std::vector<PastRun>& runs,
                  const std::vector<std::vector<NamedValue>>& metrics);

// A metric value for a person: numbers with 4 significant digits.
std::string format_value(const json& v);

}  // namespace flowrun
