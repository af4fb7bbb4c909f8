// The validated, fully resolved form of a flow file: what the planner and
// executors work from. Produced by the flow parser (flow_parser.hpp).
#pragma once

#include "resources.hpp"

#include <flowrun/spec.hpp>
#include <flowrun/stage.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

struct SourceLoc {
  std::string file;  // as the user named it; "<command line>" for --set
  int line = 0;      // 1-based; 0 when unknown
  int col = 0;       // 1-based
};

// "FILE:LINE:COL: error: message"
struct Diagnostic {
  SourceLoc loc;
  std::string message;
  std::string str() const;
};

// One connection into an input port.
struct InputRef {
  // Either a stage instance's output port...
  std::string stage;  // instance name, e.g. "train" or "ga[eps_end=0.005]"
  std::string port;
  // ...or a file given in the flow (absolute path); stage is empty then.
  fs::path file;
  SourceLoc loc;
};

struct StageInstance {
  std::string name;       // unique instance name: "train", "ga[eps_end=0.005]"
  std::string base_name;  // the key under `stages:` ("ga")
  std::string dir;        // folder under the run dir; safe, unique ("ga.eps_end=0.005")
  std::string kind;
  const Stage* stage = nullptr;  // owned by the plugin registry
  // Every declared param, defaults applied, values coerced to the declared
  // type, ${...} substituted, Path params absolute.
  json params;
  // For swept instances: the matrix values that made this instance.
  json matrix = json::object();
  std::map<std::string, std::vector<InputRef>> inputs;  // port -> sources
  std::vector<std::string> after;  // instance names that must finish first
  SourceLoc loc;
  std::string description;  // the stage's `description:` (${...} substituted)
  // Threads, memory and time limit: the stage's declaration, then the
  // flow's `resources:` (never part of the cache key: results do not depend on them).
  StageResources resources;
};

struct Flow {
  fs::path file;  // absolute
  std::string name;
  std::string description;
  std::vector<StageInstance> stages;  // declaration order, sweeps expanded

  const StageInstance* find(const std::string& instance) const {
    for (const auto& s : stages) if (s.name == instance) return &s;
    return nullptr;
  }
};

}  // namespace flowrun
