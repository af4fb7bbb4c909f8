#include "yaml_json.hpp"

#include <cerrno>
#include <cstdlib>
#include <regex>

namespace flowrun {

json yaml_scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re(
      "[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, int_re)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (std::regex_match(s, float_re)) {
    try {
      return node.as<double>();
    } catch (const YAML::Exception&) {
      return s;  // out of range for a double (1e999): keep the text
    }
  }
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "~" || s == "null" || s.empty()) {
    if (node.Tag() != "!") return nullptr;
  }
  return s;
}

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return yaml_scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& n : node) a.push_back(yaml_to_json(n));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : node) {
        // JSON keys are strings: a list or map as a key has no meaning here.
        if (!kv.first.IsScalar())
          throw YAML::RepresentationException(kv.first.Mark(), "expected a plain value as a map key, got a list or map");
        o[kv.first.Scalar()] = yaml_to_json(kv.second);
      }
      return o;
    }
  }
  return nullptr;
}

}  // namespace flowrun
