// The flowrun program. The commands, their options and the command-line
// rules are in commands.cpp and command_line.cpp (docs/command-line.md).
//
// Exit codes: 0 success, 1 a stage failed (diff: the runs differ),
// 2 invalid command line or input (nothing ran).

#include "command_line.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  try {
    return flowrun::run_command_line(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    // Commands report their own errors; this is the last line of defence.
    std::cerr << "flowrun: " << e.what() << "\n";
    return 2;
  }
}
