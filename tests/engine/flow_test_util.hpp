// Shared helpers for the flow reader tests: a registry with the demo and
// flawed test plugins, and loading flows from tests/engine/data/flows.
#pragma once

#include "flow_parser.hpp"
#include "registry.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace flowrun::test {

inline const Registry& test_registry() {
  static const Registry registry = [] {
    Registry r;
    r.load(FLOWRUN_TEST_PLUGIN_DIR "/libflowrun_demo.so");
    r.load(FLOWRUN_TEST_PLUGIN_DIR "/libflowrun_flawed.so");
    return r;
  }();
  return registry;
}

inline fs::path flow_path(const std::string& name) {
  return fs::path(FLOWRUN_TEST_DATA_DIR) / "flows" / name;
}

struct Loaded {
  Flow flow;
  std::vector<Diagnostic> diags;

  // Every diagnostic, one per line, for failure messages.
  std::string all() const {
    std::string out;
    for (const auto& d : diags) out += d.str() + "\n";
    return out;
  }
  // The diagnostic at line:col, or nullptr.
  const Diagnostic* at(int line, int col) const {
    for (const auto& d : diags)
      if (d.loc.line == line && d.loc.col == col) return &d;
    return nullptr;
  }
  // True when a diagnostic at line:col contains `text`.
  bool has(int line, int col, const std::string& text) const {
    for (const auto& d : diags)
      if (d.loc.line == line && d.loc.col == col && d.message.find(text) != std::string::npos)
        return true;
    return false;
  }
  const StageInstance& stage(const std::string& name) const {
    const StageInstance* s = flow.find(name);
    if (!s) throw std::runtime_error("no instance " + name);
    return *s;
  }
};

inline Loaded load(const fs::path& file, const FlowOptions& options = {}) {
  Loaded out;
  out.flow = load_flow(file, test_registry(), options, out.diags);
  return out;
}

inline Loaded load_data(const std::string& name, const FlowOptions& options = {}) {
  return load(flow_path(name), options);
}

// A flow written from text into a fresh temporary folder (for tests whose
// file would need absolute paths).
inline fs::path write_temp_flow(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() /
                       ("flowrun-flow-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / name;
  std::ofstream(file) << text;
  return file;
}

}  // namespace flowrun::test
