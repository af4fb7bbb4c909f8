// The flowrun commands as one table (commands.cpp). The parser
// (command_line.cpp), `--help` and the shell completion (completion.cpp) all
// read it, so a command exists in all three or in none.
//
// Adding a command: write `int cmd_x(const Invocation&)` in the file of its
// group (declared below), then add one Command entry to the table.
#pragma once

#include "session.hpp"

#include <boost/program_options/variables_map.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowrun {

namespace po = boost::program_options;

// What the shell offers for a positional argument or an option's value.
enum class Complete { None, FlowFile, StageKind, Directory, File, Executor, Shell, FlowParam };

// How an option takes its value. Every command that shares an option name
// must give it the same Arg (the parser finds the command before it knows
// which command's options apply; a test checks this).
enum class Arg { Flag, Text, Integer, List };

struct Option {
  std::string name;        // long name, optionally ",x" for a short one: "jobs,j"
  Arg arg = Arg::Flag;
  std::string value_name;  // shown in help: "DIR", "N"
  std::string help;        // one line
  Complete complete = Complete::None;

  std::string long_name() const { return name.substr(0, name.find(',')); }
  std::string short_name() const {  // "" or "j"
    const auto comma = name.find(',');
    return comma == std::string::npos ? "" : name.substr(comma + 1);
  }
};

struct Positional {
  std::string name;  // FLOW.yaml, KIND, RUN_DIR
  std::string help;
  bool optional = false;
  Complete complete = Complete::None;
};

// A parsed command line, handed to the command.
struct Invocation {
  std::string command;
  std::vector<std::string> args;  // positionals; their count is already checked
  po::variables_map options;      // global and the command's own options

  bool flag(const std::string& name) const { return options.count(name) > 0; }
  std::string text(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> list(const std::string& name) const;
  std::optional<long> integer(const std::string& name) const;
  // --site, --plugin-path and --set, for opening a Session.
  SessionOptions session() const;
};

struct Command {
  std::string name;
  std::string summary;  // one line for `flowrun --help`
  std::vector<Positional> positionals;
  std::vector<Option> options;  // besides the global ones
  std::function<int(const Invocation&)> run;  // returns the exit code
  bool hidden = false;  // used by flowrun itself; left out of help and completion
};

// Every command, in the order `flowrun --help` lists them.
const std::vector<Command>& commands();
const Command* find_command(const std::string& name);
// Options every command takes (--help, --plugin-path, --site, --version).
const std::vector<Option>& global_options();

// The handlers, one file per group of commands.
int cmd_run(const Invocation& inv);        // flow_commands.cpp
int cmd_validate(const Invocation& inv);
int cmd_graph(const Invocation& inv);
int cmd_run_stage(const Invocation& inv);
int cmd_plugins(const Invocation& inv);    // plugin_commands.cpp
int cmd_describe(const Invocation& inv);
int cmd_runs(const Invocation& inv);       // history_commands.cpp
int cmd_diff(const Invocation& inv);
int cmd_completion(const Invocation& inv); // completion.cpp
int cmd_cache(const Invocation& inv);      // cache_commands.cpp
int cmd_complete(const Invocation& inv);

// Prints a session's collected errors to stderr; returns 2.
int print_errors(const Session& s);

}  // namespace flowrun
