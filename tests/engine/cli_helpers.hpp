// Helpers for tests that run the real flowrun program on small flows.
#pragma once

#include "tool_runner.hpp"

#include <flowrun/spec.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace flowrun::testing {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

inline CliResult run_flowrun(const std::vector<std::string>& args, const fs::path& cwd,
                             int timeout_s = 60) {
  ToolCall call;
  call.program = FLOWRUN_BIN;
  call.args = args;
  call.cwd = cwd;
  call.timeout = std::chrono::seconds(timeout_s);
  ToolResult r = run_program(FLOWRUN_BIN, call, nullptr);
  return {r.exit_code, r.output};
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

inline json read_json(const fs::path& p) { return json::parse(read_text(p)); }

inline std::string plugin(const std::string& name) {
  return std::string(FLOWRUN_TEST_PLUGIN_DIR) + "/libflowrun_" + name + ".so";
}

// A fresh folder per test, with its own cache folder, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("flowrun-test-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  // Runs `flowrun run FLOW` with this test's run and cache folders.
  CliResult run(const std::string& flow, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", flow, "--run-dir", (dir_ / "run").string(),
                                     "--cache-dir", (dir_ / "cache").string(), "-j", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_flowrun(args, dir_);
  }
  json report() { return read_json(dir_ / "run" / "report.json"); }
  fs::path dir_;
};

}  // namespace flowrun::testing
