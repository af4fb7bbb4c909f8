#include "spec_json.hpp"

namespace flowrun {

json spec_to_json(const StageSpec& spec) {
  json inputs = json::array(), outputs = json::array(), params = json::array();
  for (const auto& p : spec.inputs)
    inputs.push_back({{"name", p.name}, {"type", p.type}, {"doc", p.doc},
                      {"optional", p.optional}, {"many", p.many}});
  for (const auto& p : spec.outputs)
    outputs.push_back({{"name", p.name}, {"type", p.type}, {"doc", p.doc}, {"file", p.file}});
  for (const auto& p : spec.params) {
    json j = {{"name", p.name}, {"type", to_string(p.type)}, {"doc", p.doc},
              {"default", p.default_value}, {"required", p.default_value.is_null()}};
    if (p.min) j["min"] = *p.min;
    if (p.max) j["max"] = *p.max;
    if (!p.choices.empty()) j["choices"] = p.choices;
    params.push_back(j);
  }
  return {{"kind", spec.kind}, {"version", spec.version}, {"summary", spec.summary},
          {"doc", spec.doc}, {"inputs", inputs}, {"outputs", outputs}, {"params", params},
          {"key_metrics", spec.key_metrics}};
}

void print_spec(std::ostream& out, const StageSpec& spec) {
  out << spec.kind << " " << spec.version << " - " << spec.summary << "\n";
  if (!spec.doc.empty()) out << "\n" << spec.doc << (spec.doc.back() == '\n' ? "" : "\n");
  out << "\ninputs:\n";
  if (spec.inputs.empty()) out << "  (none)\n";
  for (const auto& p : spec.inputs) {
    out << "  " << p.name << " : " << p.type;
    if (p.optional) out << " (optional)";
    if (p.many) out << " (many)";
    out << "\n      " << p.doc << "\n";
  }
  out << "\noutputs:\n";
  for (const auto& p : spec.outputs)
    out << "  " << p.name << " : " << p.type << "  -> out/" << p.file << "\n      " << p.doc << "\n";
  out << "\nparams:\n";
  if (spec.params.empty()) out << "  (none)\n";
  for (const auto& p : spec.params) {
    out << "  " << p.name << " : " << to_string(p.type);
    if (p.default_value.is_null()) out << "  (required)";
    else out << "  = " << p.default_value.dump();
    if (p.min || p.max) {
      out << "  in [" << (p.min ? json(*p.min).dump() : "-inf") << ", "
          << (p.max ? json(*p.max).dump() : "inf") << "]";
    }
    if (!p.choices.empty()) {
      out << "  one of {";
      for (size_t i = 0; i < p.choices.size(); ++i) out << (i ? ", " : "") << p.choices[i];
      out << "}";
    }
    out << "\n      " << p.doc << "\n";
  }
}

}  // namespace flowrun
