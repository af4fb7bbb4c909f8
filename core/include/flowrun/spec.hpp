// What a stage declares about itself: its kind, ports and parameters.
// The engine validates flows against these declarations before anything
// runs, and `flowrun describe KIND` prints them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrun {

using json = nlohmann::json;

enum class ParamType {
  Bool,
  Int,        // 64-bit signed
  Float,      // double; integers in a flow are accepted
  String,
  Path,       // a file or folder; relative paths are resolved against the
              // flow file's folder, and the *content* enters the cache key
  IntList,
  FloatList,
  StringList,
};

const char* to_string(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::String;
  std::string doc;
  // Default value; a null json means the param is required in the flow.
  // String and Path defaults may use ${site.KEY} and ${flowrun.share}.
  json default_value;
  std::optional<double> min;         // inclusive, for numbers (and list items)
  std::optional<double> max;         // inclusive
  std::vector<std::string> choices;  // for strings: the allowed values
  // Empty-string Path defaults mean "not given"; the stage decides.
};

struct PortSpec {
  std::string name;
  // Artifact type, e.g. "dataset", "model", "qmodel", "verilog",
  // "netlist", "liberty", "testbench", "lut", "report". An input may accept
  // several types separated by '|' ("verilog|netlist") or "any".
  std::string type;
  std::string doc;
  // Outputs: the file or folder name under the stage's out/ directory
  // (e.g. "model.json"; a name ending in '/' is a folder).
  // Inputs: unused.
  std::string file;
  bool optional = false;  // inputs only
  bool many = false;      // inputs only: gathers any number of artifacts,
                          // e.g. every instance of a swept stage
};

// How many threads a stage runs (ctx.threads() hands it the number it got).
// The scheduler never runs more threads at once than it has cores (or -j),
// and a cluster job asks for what the stage declares.
struct ThreadUse {
  enum class Kind {
    UpTo,   // any number from 1 to `count` (0: up to every core), shared out
    Fixed,  // exactly `count` (fewer only when the machine has fewer cores)
    All,    // every core of the machine (on a cluster: a whole node)
  };
  Kind kind = Kind::UpTo;
  int count = 0;

  static ThreadUse up_to(int n) { return {Kind::UpTo, n}; }
  static ThreadUse fixed(int n) { return {Kind::Fixed, n}; }
  static ThreadUse all() { return {Kind::All, 0}; }
};

// What a stage uses while it runs. A flow may override each part per stage
// (`resources: {threads: 4, mem: 8G, time: 30m}`, docs/flow-format.md).
struct ResourceSpec {
  // Default: up to every core, shared with the stages ready at the same time.
  ThreadUse threads;
  std::int64_t mem_mb = 0;  // memory estimate in MiB; 0: unknown (small)
};

struct StageSpec {
  std::string kind;     // "family.name", e.g. "trainer.logistic"
  std::string version;  // the stage's own version; part of the cache key
  std::string summary;  // one line
  std::string doc;      // longer help text (plain text, may span lines)
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::vector<ParamSpec> params;
  // Metrics shown in the summary table at the end of a run (all metrics
  // are in report.json either way); empty: the first few by name.
  std::vector<std::string> key_metrics;
  // Threads and memory the stage uses (see ResourceSpec).
  ResourceSpec resources;

  const PortSpec* input(const std::string& name) const {
    for (const auto& p : inputs) if (p.name == name) return &p;
    return nullptr;
  }
  const PortSpec* output(const std::string& name) const {
    for (const auto& p : outputs) if (p.name == name) return &p;
    return nullptr;
  }
  const ParamSpec* param(const std::string& name) const {
    for (const auto& p : params) if (p.name == name) return &p;
    return nullptr;
  }
};

inline const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::Path: return "path";
    case ParamType::IntList: return "int_list";
    case ParamType::FloatList: return "float_list";
    case ParamType::StringList: return "string_list";
  }
  return "?";
}

}  // namespace flowrun
