// Sweep expansion: turns the checked stages of a flow (one per key under
// `stages:`) into stage instances, one per matrix combination.
//
// Rules (docs/flow-format.md, "Sweeps"):
// - a stage's own `matrix` gives the cartesian product of its values;
// - a consumer connected to a swept stage through a non-`many` input is
//   swept alongside it and inherits its matrix values;
// - inherited values from several swept producers are joined on the keys
//   they share (equal values), and combined as a product otherwise;
// - an own matrix key equal to an inherited key is an error (ambiguous);
// - a `many` input gathers every producer instance whose matrix agrees
//   with the consumer's on the keys they share (all of them, usually);
// - `after: [x]` waits for every instance of x.
#pragma once

#include "flow_model.hpp"

#include <string>
#include <vector>

namespace flowrun {

struct MatrixAxis {
  std::string param;
  std::vector<json> values;        // already coerced to the param's type
  std::vector<std::string> texts;  // as written, for names
  SourceLoc loc;
};

struct BaseSource {
  std::string stage;  // a stage key (empty for a file)
  std::string port;
  fs::path file;      // absolute, for files
  SourceLoc loc;
};

struct BaseInput {
  std::string port;
  bool many = false;
  std::vector<BaseSource> sources;
};

struct BaseStage {
  std::string name;
  SourceLoc loc;
  std::string kind;
  const Stage* stage = nullptr;
  json params = json::object();  // every param resolved, except matrix ones
  std::vector<MatrixAxis> matrix;
  std::vector<BaseInput> inputs;
  std::vector<std::string> after;
  std::string description;
  StageResources resources;
};

// `order` lists every index of `stages` with producers first. Instances
// come out grouped by stage in declaration order, each stage's in product
// order (the first axis varying slowest). Problems go to diags.
std::vector<StageInstance> expand_sweeps(const std::vector<BaseStage>& stages,
                                         const std::vector<size_t>& order,
                                         std::vector<Diagnostic>& diags);

// A folder name from arbitrary text: only [A-Za-z0-9_.=-] kept (others
// become '_'), never "." or "..".
std::string safe_dir_name(const std::string& text);

}  // namespace flowrun
