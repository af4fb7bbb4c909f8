// Bounded YAML loading for files users hand to flowrun (flows, site
// configurations, --set values).
//
// yaml-cpp shares an anchored node between its aliases, so loading a
// "billion laughs" document is cheap, but everything that walks the tree
// afterwards (substitution, validation, JSON conversion) visits every
// alias expansion: ten nested anchors of ten aliases each are 10^10
// nodes. The limits are checked on the parser's event stream, before any
// node is built, and reported as ordinary YAML errors at the place where
// they are exceeded.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace flowrun {

struct YamlLimits {
  std::size_t max_bytes = 16u << 20;        // the text itself
  std::size_t max_expanded_nodes = 1000000;  // nodes after expanding every alias
  std::size_t max_depth = 100;               // nested maps and lists
};

// Parses `text` (one document) after checking it against `limits` and
// that it is UTF-8; a violation throws YAML::ParserException at the
// offending mark, like a syntax error.
YAML::Node load_bounded_yaml(const std::string& text, const YamlLimits& limits = {});

}  // namespace flowrun
