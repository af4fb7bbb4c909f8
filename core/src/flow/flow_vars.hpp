// ${name} substitution in flow files: the flow's own `vars`, the builtin
// values the program supplies (site.*, flowrun.*) and ${env.NAME}.
#pragma once

#include "flow_model.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowrun {

class FlowVars {
 public:
  explicit FlowVars(std::map<std::string, std::string> builtins);

  // A flow var: its typed value (int 8, "abc", ...) and its text ("8").
  void define(const std::string& name, json value, std::string text);
  bool defined(const std::string& name) const;

  // Replaces every ${name} in text by the value's text; "$${" stands for a
  // literal "${". Unknown names and unterminated "${" are reported at loc
  // (all of them), and nullopt is returned.
  std::optional<std::string> expand(const std::string& text, const SourceLoc& loc,
                                    std::vector<Diagnostic>& diags) const;

  // A YAML scalar: when it is exactly "${name}", the var's own typed value;
  // otherwise the expanded text, typed like a plain YAML scalar unless it
  // was quoted (then always a string).
  std::optional<json> expand_scalar(const std::string& text, bool quoted, const SourceLoc& loc,
                                    std::vector<Diagnostic>& diags) const;

  // Every name usable in ${...} except env.*, sorted (for "did you mean").
  std::vector<std::string> names() const;

 private:
  struct Value {
    json value;
    std::string text;
  };
  const Value* lookup(const std::string& name, Value& scratch) const;

  std::map<std::string, Value> vars_;
};

}  // namespace flowrun
