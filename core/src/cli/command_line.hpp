// Parsing the flowrun command line against the command table, and help.
//
// Options may come before or after the command (`flowrun --plugin-path X
// describe K` and `flowrun describe K --plugin-path X` are the same), as
// with git and cargo. `flowrun FLOW.yaml ...` is `flowrun run FLOW.yaml ...`.
#pragma once

#include "commands.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace flowrun {

// Runs the command line (argv without the program name); returns the exit
// code: 0 success, 1 a stage failed (diff: the runs differ), 2 invalid
// command line or input.
int run_command_line(const std::vector<std::string>& args);

// `flowrun --help`: every command and every option, one line each.
void print_help(std::ostream& out);
// `flowrun COMMAND --help`.
void print_command_help(std::ostream& out, const Command& c);

}  // namespace flowrun
