// What plot.sweep draws: one number per gathered instance of a sweep (a
// value picked from its JSON artifact) against the instance's value of the
// swept param. Kept apart from the stage so it is tested without a run.
#pragma once

#include <flowrun/spec.hpp>

#include <map>
#include <string>
#include <vector>

namespace flowrun::plot {

// The matrix coordinates in an instance name, in order:
// "quantize[history=4,l2=0.1]" -> {{"history", "4"}, {"l2", "0.1"}};
// empty for an unswept stage.
std::vector<std::pair<std::string, std::string>> instance_coordinates(const std::string& instance);

// One gathered artifact: the instance that wrote it, that instance's params,
// the artifact's JSON and where it came from (for messages).
struct SweepInput {
  std::string instance;
  json params;
  json doc;
  std::string file;
};

// One line of the plot: a y value at each x, sorted by x. `group` holds the
// instance's other matrix coordinates ("" when x is the only one).
struct SweepSeries {
  std::string y;      // the value's name (the y path, or its label)
  std::string group;  // e.g. "l2=0.1"
  std::vector<double> x, values;
};

struct SweepTable {
  std::vector<SweepSeries> series;   // per y, then per group, in first-seen order
  std::vector<std::string> columns;  // table.csv: x, the other coordinates' keys, one column per y
  std::vector<std::vector<json>> rows;  // sorted by the other coordinates, then x
};

// A value of `doc` at `path`: "metrics.eval_accuracy" (dots) or a JSON
// pointer ("/metrics/eval_accuracy"). Null when absent.
json value_at(const json& doc, const std::string& path);

// Gathers y values against x. x is taken from the instance name's matrix
// coordinates (values a stage inherits from a swept producer upstream) or
// else from the instance's params. Throws StageError naming the file and
// what was expected when an x or a y value is missing or not a number, when
// two inputs share all coordinates, or when there are no inputs.
SweepTable gather_sweep(const std::vector<SweepInput>& inputs, const std::string& x,
                        const std::vector<std::string>& y_paths, const std::vector<std::string>& y_names);

// table.csv text (numbers in their shortest exact form).
std::string sweep_csv(const SweepTable& table);

}  // namespace flowrun::plot
