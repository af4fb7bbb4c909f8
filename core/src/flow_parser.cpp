// Reading a flow file: YAML -> checked stages -> expanded instances.
// Every problem is collected (never thrown) so the user sees them all at
// once, each at the place in the file it comes from.
#include "flow_parser.hpp"

#include "did_you_mean.hpp"
#include "flow_graph.hpp"
#include "flow_params.hpp"
#include "flow_sweep.hpp"
#include "flow_values.hpp"
#include "flow_vars.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace flowrun {

namespace {

const std::vector<std::string> kTopKeys = {"name", "description", "vars", "plugins", "stages"};
const std::vector<std::string> kStageKeys = {"uses",   "with",   "inputs",
                                             "after", "matrix", "description"};
const std::string kCommandLine = "<command line>";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Stage names become folder names and the part before '.' in references.
bool safe_stage_name(const std::string& name) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(name, re);
}

bool safe_var_name(const std::string& name) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(name, re);
}

// An input port's accepted types: "any", one type, or "a|b".
bool accepts(const std::string& input_type, const std::string& output_type) {
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
std::string output_file_problem(const std::string& file) {
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
  struct RawInput {
    std::string port;
    SourceLoc loc;
    YAML::Node value;
  };
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

std::vector<Entry> FlowReader::entries(const YAML::Node& map, const std::string& what) {
  std::vector<Entry> out;
  std::map<std::string, SourceLoc> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error(at(key), what + ": keys must be plain names");
      continue;
    }
    const std::string name = key.Scalar();
    if (auto s = seen.find(name); s != seen.end()) {
      error(at(key), what + ": duplicate key '" + name + "' (first at line " +
                         std::to_string(s->second.line) + ")");
      continue;
    }
    seen[name] = at(key);
    out.push_back({name, key, it->second});
  }
  return out;
}

std::optional<std::string> FlowReader::scalar_text(const YAML::Node& node,
                                                   const std::string& what) {
  if (!node.IsScalar()) {
    error(at(node), what + " must be a single value (text)");
    return std::nullopt;
  }
  return vars_.expand(node.Scalar(), at(node), diags_);
}

bool FlowReader::read_root() {
  try {
    std::error_code ec;
    if (fs::is_directory(file_, ec)) {
      error({file_.string(), 0, 0}, "is a folder, not a flow file");
      return false;
    }
    std::ifstream in(file_);
    if (!in) {
      error({file_.string(), 0, 0}, "cannot open the flow file");
      return false;
    }
    root_ = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    error(where_.at(e.mark), "YAML syntax: " + e.msg);
    return false;
  }
  if (!root_.IsMap()) {
    error({file_.string(), 1, 1}, "a flow file must be a YAML map with a `stages:` key");
    return false;
  }
  for (auto& e : entries(root_, "flow")) {
    if (std::find(kTopKeys.begin(), kTopKeys.end(), e.key) == kTopKeys.end()) {
      std::string help = did_you_mean(e.key, kTopKeys);
      if (help.empty()) help = " (known keys: " + join(kTopKeys) + ")";
      error(at(e.key_node), "unknown top-level key '" + e.key + "'" + help);
      continue;
    }
    top_.emplace(e.key, e);
  }
  return true;
}

void FlowReader::read_vars() {
  auto it = top_.find("vars");
  if (it == top_.end() || it->second.value.IsNull()) return;
  const YAML::Node& vars = it->second.value;
  if (!vars.IsMap()) {
    error(at(vars), "`vars` must be a map of name: value");
    return;
  }
  // In order, so a var may use builtins and the vars above it.
  for (auto& e : entries(vars, "vars")) {
    if (!safe_var_name(e.key)) {
      error(at(e.key_node), "var name '" + e.key + "' must be letters, digits, '_' or '-'");
      continue;
    }
    if (!e.value.IsScalar()) {
      error(at(e.value.IsNull() ? e.key_node : e.value),
            "var '" + e.key + "' must be a single value (number, bool or text)");
      continue;
    }
    auto value = vars_.expand_scalar(e.value.Scalar(), e.value.Tag() == "!", at(e.value), diags_);
    auto text = vars_.expand(e.value.Scalar(), at(e.value), diags_);
    if (!value || !text) continue;
    // The text of an exact "${x}" is x's own text.
    vars_.define(e.key, *value, value->is_string() ? value->get<std::string>() : *text);
  }
}

std::vector<fs::path> FlowReader::plugin_paths() {
  std::vector<fs::path> out;
  auto it = top_.find("plugins");
  if (it == top_.end() || it->second.value.IsNull()) return out;
  const YAML::Node& list = it->second.value;
  if (!list.IsSequence()) {
    error(at(list), "`plugins` must be a list of plugin library paths");
    return out;
  }
  for (const auto& item : list) {
    auto text = scalar_text(item, "a `plugins` entry");
    if (!text) continue;
    fs::path p(*text);
    if (p.is_relative()) p = dir_ / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      error(at(item), "plugin library '" + *text + "' does not exist (looked for " + p.string() +
                          ")");
      continue;
    }
    out.push_back(p);
  }
  return out;
}

void FlowReader::read_stage_names(const YAML::Node& stages) {
  for (auto& e : entries(stages, "stages")) {
    if (!safe_stage_name(e.key)) {
      error(at(e.key_node), "stage name '" + e.key +
                                "' must start with a letter or '_' and contain only letters, "
                                "digits, '_' and '-' (it names the stage's folder)");
      continue;
    }
    RawStage raw;
    raw.name = e.key;
    raw.loc = at(e.key_node);
    raw.node = e.value;
    raw.base.name = e.key;
    raw.base.loc = raw.loc;
    index_[e.key] = stages_.size();
    stages_.push_back(std::move(raw));
  }
}

void FlowReader::read_stage(RawStage& raw) {
  if (!raw.node.IsMap()) {
    error(raw.node.IsNull() ? raw.loc : at(raw.node),
          "stage '" + raw.name + "' must be a map with at least `uses: KIND`");
    return;
  }
  std::map<std::string, Entry> keys;
  for (auto& e : entries(raw.node, "stage '" + raw.name + "'")) {
    if (std::find(kStageKeys.begin(), kStageKeys.end(), e.key) == kStageKeys.end()) {
      std::string help = did_you_mean(e.key, kStageKeys);
      if (help.empty()) help = " (known keys: " + join(kStageKeys) + ")";
      error(at(e.key_node), "unknown key '" + e.key + "' in stage '" + raw.name + "'" + help);
      continue;
    }
    keys.emplace(e.key, e);
  }

  if (auto it = keys.find("description"); it != keys.end())
    if (auto text = scalar_text(it->second.value, "`description`")) raw.base.description = *text;
  if (auto it = keys.find("after"); it != keys.end()) read_after(raw, it->second.value);

  auto uses = keys.find("uses");
  if (uses == keys.end()) {
    error(raw.loc, "stage '" + raw.name + "' has no `uses:` (the stage kind to run)");
    return;
  }
  auto kind = scalar_text(uses->second.value, "`uses`");
  if (!kind) return;
  const SourceLoc uses_loc = at(uses->second.value);
  const Stage* stage = registry_ ? registry_->find(*kind) : nullptr;
  if (!stage) {
    std::string help = registry_ ? did_you_mean(*kind, registry_->kinds()) : "";
    if (help.empty()) help = " (`flowrun plugins` lists the known kinds)";
    error(uses_loc, "unknown stage kind '" + *kind + "'" + help);
    return;
  }
  raw.base.kind = *kind;
  raw.base.stage = stage;
  check_outputs(raw, uses_loc);

  if (auto it = keys.find("with"); it != keys.end()) read_with(raw, it->second.value);
  if (auto it = keys.find("matrix"); it != keys.end()) read_matrix(raw, it->second.value);
  if (auto it = keys.find("inputs"); it != keys.end()) read_inputs(raw, it->second.value);

  // Required inputs left unconnected.
  for (const auto& port : stage->spec().inputs) {
    if (port.optional) continue;
    const bool given = std::any_of(raw.base.inputs.begin(), raw.base.inputs.end(),
                                   [&](const BaseInput& in) { return in.port == port.name; });
    // A port given but with a bad value was already reported.
    if (!given && !raw.mentioned_inputs.count(port.name))
      error(raw.loc, describe(raw) + " needs input '" + port.name + "' (" + port.type + ")" +
                         (port.doc.empty() ? "" : ": " + port.doc));
  }
}

void FlowReader::check_outputs(const RawStage& raw, const SourceLoc& uses_loc) {
  if (!checked_kinds_.insert(raw.base.kind).second) return;
  const auto& spec = raw.base.stage->spec();
  std::set<std::string> files;
  for (const auto& out : spec.outputs) {
    const std::string problem = output_file_problem(out.file);
    if (!problem.empty())
      error(uses_loc, "stage kind '" + spec.kind + "' (from " +
                          registry_->provider(spec.kind).string() + ") declares output '" +
                          out.name + "' whose file '" + out.file + "' " + problem +
                          ": outputs must stay inside the stage's out/ folder");
    else if (!files.insert(fs::path(out.file).lexically_normal().string()).second)
      error(uses_loc, "stage kind '" + spec.kind + "' declares two outputs with the file '" +
                          out.file + "'");
  }
}

void FlowReader::read_with(RawStage& raw, const YAML::Node& with) {
  if (with.IsNull()) return;
  if (!with.IsMap()) {
    error(at(with), "`with` of stage '" + raw.name + "' must be a map of param: value");
    return;
  }
  const auto& spec = raw.base.stage->spec();
  for (auto& e : entries(with, "`with` of stage '" + raw.name + "'")) {
    if (!spec.param(e.key)) {
      std::string help = did_you_mean(e.key, names_of(spec.params));
      if (spec.input(e.key)) help = "; '" + e.key + "' is an input: connect it under `inputs:`";
      else if (help.empty())
        help = spec.params.empty() ? " (it has no params)"
                                   : " (params: " + join(names_of(spec.params)) + ")";
      error(at(e.key_node), describe(raw) + " has no param '" + e.key + "'" + help);
      continue;
    }
    // A key with nothing after the colon is a null value, placed at the key.
    const YAML::Node& v = e.value;
    auto value = read_value(v, where_, vars_, diags_);
    if (!value) continue;
    if (v.IsNull()) value->loc = at(e.key_node);
    raw.given[e.key] = Given{*value, false};
    raw.with_keys[e.key] = at(e.key_node);
  }
}

void FlowReader::read_matrix(RawStage& raw, const YAML::Node& matrix) {
  if (!matrix.IsMap()) {
    error(at(matrix), "`matrix` of stage '" + raw.name + "' must be a map of param: [values]");
    return;
  }
  const auto& spec = raw.base.stage->spec();
  for (auto& e : entries(matrix, "`matrix` of stage '" + raw.name + "'")) {
    const ParamSpec* p = spec.param(e.key);
    if (!p) {
      std::string help = did_you_mean(e.key, names_of(spec.params));
      if (help.empty() && !spec.params.empty()) help = " (params: " + join(names_of(spec.params)) + ")";
      error(at(e.key_node), describe(raw) + " has no param '" + e.key + "' to sweep" + help);
      continue;
    }
    if (raw.with_keys.count(e.key)) {
      error(at(e.key_node), "param '" + e.key + "' of stage '" + raw.name +
                                "' is given both in `with` and in `matrix`");
      continue;
    }
    if (!e.value.IsSequence() || e.value.size() == 0) {
      error(at(e.value.IsNull() ? e.key_node : e.value),
            "matrix entry '" + e.key + "' of stage '" + raw.name +
                "' must be a non-empty list of values, e.g. [1, 2]");
      continue;
    }
    MatrixAxis axis;
    axis.param = e.key;
    axis.loc = at(e.key_node);
    bool ok = true;
    for (const auto& item : e.value) {
      auto value = read_value(item, where_, vars_, diags_);
      if (!value) {
        ok = false;
        continue;
      }
      auto coerced = coerce_param(*p, *value,
                                  {"matrix value of param '" + e.key + "' of stage '" + raw.name + "'",
                                   dir_},
                                  diags_);
      if (!coerced) {
        ok = false;
        continue;
      }
      if (std::find(axis.values.begin(), axis.values.end(), *coerced) != axis.values.end()) {
        error(value->loc, "matrix entry '" + e.key + "' of stage '" + raw.name +
                              "' repeats the value " + value->text);
        ok = false;
        continue;
      }
      axis.values.push_back(*coerced);
      axis.texts.push_back(value->text);
    }
    if (ok) raw.base.matrix.push_back(std::move(axis));
  }
}

void FlowReader::read_inputs(RawStage& raw, const YAML::Node& inputs) {
  if (inputs.IsNull()) return;
  if (!inputs.IsMap()) {
    error(at(inputs), "`inputs` of stage '" + raw.name + "' must be a map of port: stage.port");
    return;
  }
  const auto& spec = raw.base.stage->spec();
  for (auto& e : entries(inputs, "`inputs` of stage '" + raw.name + "'")) {
    const PortSpec* port = spec.input(e.key);
    if (!port) {
      std::string help = did_you_mean(e.key, names_of(spec.inputs));
      if (spec.param(e.key)) help = "; '" + e.key + "' is a param: set it under `with:`";
      else if (help.empty())
        help = spec.inputs.empty() ? " (it has no inputs)"
                                   : " (inputs: " + join(names_of(spec.inputs)) + ")";
      error(at(e.key_node), describe(raw) + " has no input '" + e.key + "'" + help);
      continue;
    }
    raw.mentioned_inputs.insert(port->name);
    BaseInput input;
    input.port = port->name;
    input.many = port->many;
    if (e.value.IsSequence()) {
      if (!port->many) {
        error(at(e.value), "input '" + port->name + "' of stage '" + raw.name +
                               "' takes one artifact; only `many` inputs take a list");
        continue;
      }
      if (e.value.size() == 0 && !port->optional) {
        error(at(e.value), "input '" + port->name + "' of stage '" + raw.name +
                               "' needs at least one source");
        continue;
      }
      for (const auto& item : e.value)
        if (auto src = read_source(raw, *port, item)) input.sources.push_back(*src);
    } else if (e.value.IsScalar()) {
      if (auto src = read_source(raw, *port, e.value)) input.sources.push_back(*src);
    } else {
      error(at(e.value.IsNull() ? e.key_node : e.value),
            "input '" + port->name + "' of stage '" + raw.name +
                "' must be `stage.port` or a file path");
      continue;
    }
    if (!input.sources.empty()) raw.base.inputs.push_back(std::move(input));
  }
}

std::optional<BaseSource> FlowReader::read_source(RawStage& raw, const PortSpec& port,
                                                  const YAML::Node& item) {
  const std::string what = "input '" + port.name + "' of stage '" + raw.name + "'";
  auto text = scalar_text(item, what);
  if (!text) return std::nullopt;
  const SourceLoc loc = at(item);
  BaseSource src;
  src.loc = loc;

  // `<existing stage>.<port>` is a reference; anything else is a file.
  const size_t dot = text->find('.');
  const std::string prefix = text->substr(0, dot);
  if (dot != std::string::npos && index_.count(prefix)) {
    src.stage = prefix;
    src.port = text->substr(dot + 1);
    const RawStage& producer = stages_[index_.at(prefix)];
    if (!producer.base.stage) return src;  // its own problem is reported there
    const auto& pspec = producer.base.stage->spec();
    const PortSpec* out = pspec.output(src.port);
    if (!out) {
      std::string help = did_you_mean(src.port, names_of(pspec.outputs));
      if (help.empty()) help = " (outputs: " + join(names_of(pspec.outputs)) + ")";
      error(loc, describe(producer) + " has no output '" + src.port + "'" + help +
                     " (for a file of that name, write './" + *text + "')");
      return std::nullopt;
    }
    if (!accepts(port.type, out->type)) {
      error(loc, what + " takes " + port.type + ", but output '" + src.port + "' of stage '" +
                     prefix + "' is " + out->type);
      return std::nullopt;
    }
    return src;
  }

  fs::path p(*text);
  if (p.is_relative()) p = dir_ / p;
  p = p.lexically_normal();
  std::error_code ec;
  if (text->empty() || !fs::exists(p, ec)) {
    std::string msg = what + ": '" + *text + "' is neither `stage.port` nor an existing file";
    std::vector<std::string> names;
    for (const auto& s : stages_) names.push_back(s.name);
    if (dot != std::string::npos) {
      const std::string help = did_you_mean(prefix, names);
      if (!help.empty()) msg += " (no stage '" + prefix + "'" + help + ")";
      else msg += " (looked for " + p.string() + ")";
    } else {
      msg += " (looked for " + p.string() + ")";
    }
    error(loc, msg);
    return std::nullopt;
  }
  src.file = p;
  return src;
}

void FlowReader::read_after(RawStage& raw, const YAML::Node& after) {
  std::vector<YAML::Node> items;
  if (after.IsScalar()) items.push_back(after);
  else if (after.IsSequence())
    for (const auto& i : after) items.push_back(i);
  else {
    error(at(after.IsNull() ? raw.node : after),
          "`after` of stage '" + raw.name + "' must be a list of stage names");
    return;
  }
  std::vector<std::string> names;
  for (const auto& s : stages_) names.push_back(s.name);
  for (const auto& item : items) {
    auto name = scalar_text(item, "an `after` entry");
    if (!name) continue;
    if (!index_.count(*name)) {
      std::string help = did_you_mean(*name, names);
      error(at(item), "`after` of stage '" + raw.name + "' names unknown stage '" + *name + "'" + help);
      continue;
    }
    if (std::find(raw.base.after.begin(), raw.base.after.end(), *name) == raw.base.after.end())
      raw.base.after.push_back(*name);
  }
}

// --set STAGE.PARAM=VALUE. Places are "<command line>:N:COL": the N-th
// --set, COL the column inside its argument.
void FlowReader::apply_override(size_t index, const std::string& arg) {
  const int n = static_cast<int>(index) + 1;
  auto loc = [&](size_t col) { return SourceLoc{kCommandLine, n, static_cast<int>(col) + 1}; };
  const std::string what = "--set " + arg;
  const size_t eq = arg.find('=');
  const size_t dot = arg.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
      dot + 1 == eq) {
    error(loc(0), what + ": expected STAGE.PARAM=VALUE");
    return;
  }
  const std::string stage = arg.substr(0, dot);
  const std::string param = arg.substr(dot + 1, eq - dot - 1);
  const std::string text = arg.substr(eq + 1);
  auto it = index_.find(stage);
  if (it == index_.end()) {
    std::vector<std::string> names;
    for (const auto& s : stages_) names.push_back(s.name);
    error(loc(0), what + ": the flow has no stage '" + stage + "'" + did_you_mean(stage, names));
    return;
  }
  RawStage& raw = stages_[it->second];
  if (!raw.base.stage) return;  // unknown kind, reported in the file
  const auto& spec = raw.base.stage->spec();
  if (!spec.param(param)) {
    std::string help = did_you_mean(param, names_of(spec.params));
    if (help.empty() && !spec.params.empty()) help = " (params: " + join(names_of(spec.params)) + ")";
    error(loc(dot + 1), what + ": " + describe(raw) + " has no param '" + param + "'" + help);
    return;
  }
  for (const auto& axis : raw.base.matrix)
    if (axis.param == param) {
      error(loc(dot + 1), what + ": param '" + param + "' of stage '" + stage +
                              "' is swept by its `matrix`; edit the matrix instead");
      return;
    }
  YAML::Node node;
  try {
    node = text.empty() ? YAML::Node(std::string()) : YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error(loc(eq + 1), what + ": the value is not valid YAML: " + e.msg);
    return;
  }
  if (text.empty()) node.SetTag("!");  // an empty value is the empty string
  Locator fixed{kCommandLine, loc(eq + 1)};
  auto value = read_value(node, fixed, vars_, diags_);
  if (!value) return;
  raw.given[param] = Given{*value, true};
}

std::optional<json> FlowReader::resolve_default(const RawStage& raw, const ParamSpec& p) {
  // String defaults may name ${site.*} and ${flowrun.*}; report problems
  // at the stage, saying which default needed the value.
  std::vector<Diagnostic> local;
  auto expand = [&](const json& v) -> std::optional<json> {
    if (!v.is_string()) return v;
    auto s = vars_.expand(v.get<std::string>(), raw.loc, local);
    if (!s) return std::nullopt;
    return json(*s);
  };
  json value = p.default_value;
  bool ok = true;
  if (value.is_array()) {
    for (auto& item : value)
      if (auto e = expand(item)) item = *e;
      else ok = false;
  } else if (auto e = expand(value)) {
    value = *e;
  } else {
    ok = false;
  }
  for (auto& d : local)
    error(d.loc, describe(raw) + ": default of param '" + p.name + "' (" +
                     p.default_value.dump() + "): " + d.message);
  if (!ok) return std::nullopt;
  // A relative default is relative to the plugin that declared it.
  const fs::path base = registry_->provider(raw.base.kind).parent_path();
  return coerce_param(p, LocatedValue{value, raw.loc, {}, {}, {}},
                      {describe(raw) + ": default of param '" + p.name + "'",
                       base.empty() ? dir_ : base},
                      diags_);
}

void FlowReader::resolve_params(RawStage& raw) {
  const auto& spec = raw.base.stage->spec();
  for (const auto& p : spec.params) {
    const bool swept = std::any_of(raw.base.matrix.begin(), raw.base.matrix.end(),
                                   [&](const MatrixAxis& a) { return a.param == p.name; });
    if (swept) continue;
    if (auto it = raw.given.find(p.name); it != raw.given.end()) {
      const Given& g = it->second;
      // Paths typed on the command line are relative to where the user is.
      const fs::path base = g.command_line ? fs::current_path() : dir_;
      std::string what = "param '" + p.name + "' of stage '" + raw.name + "'";
      if (g.command_line) what = "--set " + raw.name + "." + p.name + ": " + what;
      if (auto v = coerce_param(p, g.value, {what, base}, diags_)) raw.base.params[p.name] = *v;
      continue;
    }
    if (p.default_value.is_null()) {
      error(raw.loc, describe(raw) + " needs param '" + p.name + "' (" + to_string(p.type) + ")" +
                         (p.doc.empty() ? "" : ": " + p.doc));
      continue;
    }
    if (auto v = resolve_default(raw, p)) raw.base.params[p.name] = *v;
  }
}

bool FlowReader::check_cycles() {
  std::vector<std::vector<size_t>> deps(stages_.size());
  for (size_t i = 0; i < stages_.size(); ++i) {
    for (const auto& input : stages_[i].base.inputs)
      for (const auto& src : input.sources)
        if (!src.stage.empty()) deps[i].push_back(index_.at(src.stage));
    for (const auto& name : stages_[i].base.after) deps[i].push_back(index_.at(name));
  }
  const auto cycles = find_cycles(deps);
  for (const auto& cycle : cycles) {
    std::string text;
    for (size_t i : cycle) text += stages_[i].name + " -> ";
    text += stages_[cycle.front()].name;
    error(stages_[cycle.front()].loc, "cycle: " + text);
  }
  return cycles.empty();
}

Flow FlowReader::load() {
  Flow flow;
  flow.file = fs::absolute(file_).lexically_normal();
  flow.name = file_.stem().string();
  const size_t first = diags_.size();
  if (read_root()) {
    read_vars();
    if (auto it = top_.find("name"); it != top_.end())
      if (auto s = scalar_text(it->second.value, "`name`")) flow.name = *s;
    if (auto it = top_.find("description"); it != top_.end())
      if (auto s = scalar_text(it->second.value, "`description`")) flow.description = *s;

    auto stages = top_.find("stages");
    if (stages == top_.end()) {
      error({file_.string(), 1, 1}, "the flow has no `stages:`");
    } else if (!stages->second.value.IsMap() || stages->second.value.size() == 0) {
      error(at(stages->second.value.IsNull() ? stages->second.key_node : stages->second.value),
            "`stages` must be a map of stage name: {uses: KIND, ...} with at least one stage");
    } else {
      read_stage_names(stages->second.value);
      for (auto& raw : stages_) read_stage(raw);
      for (size_t i = 0; i < options_.overrides.size(); ++i)
        apply_override(i, options_.overrides[i]);
      for (auto& raw : stages_)
        if (raw.base.stage) resolve_params(raw);
      const bool acyclic = check_cycles();
      if (acyclic && diags_.size() == first) {
        std::vector<BaseStage> bases;
        for (const auto& raw : stages_) bases.push_back(raw.base);
        std::vector<std::vector<size_t>> deps(bases.size());
        for (size_t i = 0; i < bases.size(); ++i) {
          for (const auto& in : bases[i].inputs)
            for (const auto& src : in.sources)
              if (!src.stage.empty()) deps[i].push_back(index_.at(src.stage));
          for (const auto& a : bases[i].after) deps[i].push_back(index_.at(a));
        }
        flow.stages = expand_sweeps(bases, topological_sort(deps), diags_);
      }
    }
  }
  // File order reads best; command-line problems come last.
  std::stable_sort(diags_.begin() + static_cast<std::ptrdiff_t>(first), diags_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     const bool ca = a.loc.file == kCommandLine, cb = b.loc.file == kCommandLine;
                     if (ca != cb) return cb;
                     if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
                     return a.loc.col < b.loc.col;
                   });
  if (diags_.size() != first) flow.stages.clear();
  return flow;
}

}  // namespace

std::vector<fs::path> flow_plugin_paths(const fs::path& file, std::vector<Diagnostic>& diags,
                                        const FlowOptions& options) {
  // Only problems that stop plugins being found are reported here (an
  // unreadable file, YAML syntax, the `plugins` list itself); load_flow
  // reports everything else, so a caller can show both lists.
  std::vector<Diagnostic> scratch;
  FlowReader reader(file, nullptr, options, scratch);
  if (!reader.read_root()) {
    diags.insert(diags.end(), scratch.begin(), scratch.end());
    return {};
  }
  reader.read_vars();
  scratch.clear();
  auto paths = reader.plugin_paths();
  diags.insert(diags.end(), scratch.begin(), scratch.end());
  return paths;
}

Flow load_flow(const fs::path& file, const Registry& registry, const FlowOptions& options,
               std::vector<Diagnostic>& diags) {
  FlowReader reader(file, &registry, options, diags);
  return reader.load();
}

}  // namespace flowrun
