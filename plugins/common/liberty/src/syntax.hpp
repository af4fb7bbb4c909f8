// The generic shape of a Liberty file: nested groups holding attributes.
//   group:              name ( args ) { ... }
//   simple attribute:   name : value ;
//   complex attribute:  name ( args ) ;
// Interpretation (cells, pins, functions) is done in reader.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flowrun::liberty::detail {

struct Attribute {
  std::string name;
  std::vector<std::string> values;  // one for simple attributes
  bool simple = true;
  int line = 0;
};

struct Group {
  std::string type;                 // "library", "cell", "pin", ...
  std::vector<std::string> args;    // cell (NAND2) -> {"NAND2"}
  std::vector<Attribute> attributes;
  std::vector<Group> groups;
  int line = 0;
  std::size_t begin = 0, end = 0;   // byte range in the text, name to '}'

  const Attribute* attribute(std::string_view name) const {
    for (const auto& a : attributes) if (a.name == name) return &a;
    return nullptr;
  }
};

// Parses the whole text; the file must hold exactly one top-level group.
// Throws LibertyError("FILE:LINE: expected ...").
Group parse_syntax(std::string_view text, const std::string& file);

}  // namespace flowrun::liberty::detail
