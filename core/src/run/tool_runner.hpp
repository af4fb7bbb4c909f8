// Runs external programs for stages: argv vector (no shell), own process
// group, timeout, stdout+stderr captured line by line. A program never
// outlives the thread that started it: it gets SIGKILL when that thread
// ends, even when flowrun itself is killed with SIGKILL (PR_SET_PDEATHSIG).
#pragma once

#include <flowrun/context.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <string>

namespace flowrun {

// Finds a program: a path is used as given; a bare name is looked up in the
// site's tools map, then on PATH. Returns empty when not found.
fs::path resolve_program(const std::string& program,
                         const std::map<std::string, std::string>& site_tools);

// The message for a program that cannot be found.
std::string missing_program_message(const ToolCall& call);

// Runs an already resolved program. Every chunk of output is passed to
// on_output as it arrives (and collected in the result). A set cancel flag
// or the call's timeout kills the whole process group.
ToolResult run_program(const fs::path& program, const ToolCall& call,
                       const std::function<void(std::string_view)>& on_output,
                       const std::atomic<bool>* cancel = nullptr);

// Sends `sig` to the process group of every program run_program is running
// in this process. Async-signal-safe: for a handler that must end the
// process at once and take the programs (and their children) along.
void kill_tool_groups(int sig) noexcept;

}  // namespace flowrun
