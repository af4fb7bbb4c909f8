// The flowrun commands, behind the command-line parsing in main.cpp.
#pragma once

#include "session.hpp"

#include <optional>
#include <string>

namespace flowrun {

struct CommandLine {
  std::string command;  // run, validate, plugins, describe, graph, run-stage
  std::string target;   // flow file or stage kind
  SessionOptions session;
  bool json = false;
  fs::path run_dir;
  std::optional<int> jobs;
  bool no_cache = false;
  fs::path cache_dir;
  std::string executor;
  std::string stage;
  std::optional<int> threads;
};

// Returns the process exit code: 0 ok, 1 a stage failed, 2 invalid input.
int run_command(const CommandLine& cl);

}  // namespace flowrun
