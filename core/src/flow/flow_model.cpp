#include "flow_model.hpp"

namespace flowrun {

std::string Diagnostic::str() const {
  std::string where = loc.file.empty() ? std::string("<flow>") : loc.file;
  if (loc.line > 0) {
    where += ":" + std::to_string(loc.line);
    if (loc.col > 0) where += ":" + std::to_string(loc.col);
  }
  return where + ": error: " + message;
}

}  // namespace flowrun
