// The flow reader's internals, shared by its source files:
// flow_reader.cpp (file, vars, plugins, cycles, the whole pass),
// flow_reader_stages.cpp (each stage's keys, params, matrix, inputs, after)
// and flow_reader_params.cpp (--set, defaults, resolved params).
// Not part of the engine's interface: use flow_parser.hpp.
#pragma once

#include "flow_parser.hpp"
#include "flow_sweep.hpp"
#include "flow_values.hpp"
#include "flow_vars.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace flowrun::flow_reader {

inline const std::vector<std::string> kTopKeys = {"name", "description", "vars", "plugins",
                                                  "stages"};
inline const std::vector<std::string> kStageKeys = {"uses",  "with",   "inputs",
                                                    "after", "matrix", "description",
                                                    "resources"};
inline const std::string kCommandLine = "<command line>";

inline std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Stage names become folder names and the part before '.' in references.
inline bool safe_stage_name(const std::string& name) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(name, re);
}

inline bool safe_var_name(const std::string& name) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(name, re);
}

// An input port's accepted types: "any", one type, or "a|b".
inline bool accepts(const std::string& input_type, const std::string& output_type) {
  if (input_type == "any") return true;
  size_t start = 0;
  while (start <= input_type.size()) {
    size_t bar = input_type.find('|', start);
    if (bar == std::string::npos) bar = input_type.size();
    if (input_type.compare(start, bar - start, output_type) == 0 &&
        bar - start == output_type.size())
      return true;
    start = bar + 1;
  }
  return false;
}

// An output `file` must stay inside the stage's out/ folder.
inline std::string output_file_problem(const std::string& file) {
  if (file.empty()) return "names no file";
  const fs::path p(file);
  if (p.is_absolute()) return "is an absolute path";
  for (const auto& part : p)
    if (part == "..") return "contains '..'";
  return "";
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.name);
  return out;
}

// A map's entries in file order, with duplicate keys reported (yaml-cpp
// keeps both; later code would silently use the first).
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class FlowReader {
 public:
  FlowReader(const fs::path& file, const Registry* registry, const FlowOptions& options,
             std::vector<Diagnostic>& diags)
      : file_(file),
        dir_(fs::absolute(file).parent_path()),
        registry_(registry),
        options_(options),
        diags_(diags),
        where_{file.string(), std::nullopt},
        vars_(options.builtin_vars) {}

  bool read_root();
  void read_vars();
  std::vector<fs::path> plugin_paths();
  Flow load();

 private:
  struct Given {
    LocatedValue value;
    bool command_line = false;
  };
  struct RawStage {
    std::string name;
    SourceLoc loc;
    YAML::Node node;
    BaseStage base;
    std::map<std::string, Given> given;  // `with` and --set
    std::map<std::string, SourceLoc> with_keys;
    std::set<std::string> mentioned_inputs;  // ports under `inputs`, valid or not
  };

  void error(const SourceLoc& loc, std::string message) {
    diags_.push_back({loc, std::move(message)});
  }
  SourceLoc at(const YAML::Node& n) const { return where_.at(n); }
  std::vector<Entry> entries(const YAML::Node& map, const std::string& what);
  std::optional<std::string> scalar_text(const YAML::Node& node, const std::string& what);

  void read_stage_names(const YAML::Node& stages);
  void read_stage(RawStage& raw);
  void read_with(RawStage& raw, const YAML::Node& with);
  void read_matrix(RawStage& raw, const YAML::Node& matrix);
  void read_inputs(RawStage& raw, const YAML::Node& inputs);
  std::optional<BaseSource> read_source(RawStage& raw, const PortSpec& port,
                                        const YAML::Node& item);
  void read_after(RawStage& raw, const YAML::Node& after);
  void read_resources(RawStage& raw, const YAML::Node& resources);
  void check_outputs(const RawStage& raw, const SourceLoc& uses_loc);
  void apply_override(size_t index, const std::string& arg);
  void resolve_params(RawStage& raw);
  std::optional<json> resolve_default(const RawStage& raw, const ParamSpec& p);
  bool check_cycles();
  std::string describe(const RawStage& raw) const {
    return "stage '" + raw.name + "'" + (raw.base.kind.empty() ? "" : " (" + raw.base.kind + ")");
  }

  fs::path file_;
  fs::path dir_;
  const Registry* registry_;
  const FlowOptions& options_;
  std::vector<Diagnostic>& diags_;
  Locator where_;
  FlowVars vars_;
  YAML::Node root_;
  std::map<std::string, Entry> top_;
  std::vector<RawStage> stages_;
  std::map<std::string, size_t> index_;
  std::set<std::string> checked_kinds_;
};

}  // namespace flowrun::flow_reader
