// The flow reader, per stage: keys, kind, `with`, `matrix`, `inputs`
// (references and files) and `after`.
#include "flow_reader.hpp"

#include "did_you_mean.hpp"
#include "flow_params.hpp"

#include <algorithm>

namespace flowrun::flow_reader {

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
  raw.base.resources.spec = stage->spec().resources;
  if (auto it = keys.find("resources"); it != keys.end()) read_resources(raw, it->second.value);
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

}  // namespace flowrun::flow_reader

namespace flowrun::flow_reader {

// `resources: {threads: 4 | "up to 8" | all, mem: 8G, time: 30m}`: each key
// overrides the stage's own declaration for every instance of the stage.
void FlowReader::read_resources(RawStage& raw, const YAML::Node& node) {
  static const std::vector<std::string> known = {"threads", "mem", "time"};
  if (!node.IsMap()) {
    error(at(node), "`resources` of stage '" + raw.name +
                        "' must be a map such as {threads: 4, mem: 8G, time: 30m}");
    return;
  }
  for (auto& e : entries(node, "`resources` of stage '" + raw.name + "'")) {
    if (std::find(known.begin(), known.end(), e.key) == known.end()) {
      std::string help = did_you_mean(e.key, known);
      if (help.empty()) help = " (known keys: " + join(known) + ")";
      error(at(e.key_node), "unknown key '" + e.key + "' in `resources` of stage '" + raw.name +
                                "'" + help);
      continue;
    }
    auto text = scalar_text(e.value, "`resources." + e.key + "`");
    if (!text) continue;
    std::string problem;
    const std::string what = "`resources." + e.key + "` of stage '" + raw.name + "': ";
    if (e.key == "threads") {
      if (auto t = parse_threads(*text, problem)) raw.base.resources.spec.threads = *t;
      else error(at(e.value), what + problem);
    } else if (e.key == "mem") {
      if (auto m = parse_mem_mb(*text, problem)) raw.base.resources.spec.mem_mb = *m;
      else error(at(e.value), what + problem);
    } else {
      if (auto s = parse_duration_s(*text, problem)) raw.base.resources.time_s = *s;
      else error(at(e.value), what + problem);
    }
  }
}

}  // namespace flowrun::flow_reader
