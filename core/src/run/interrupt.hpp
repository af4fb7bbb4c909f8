// Ctrl-C and SIGTERM (a scheduler's or an init system's kill) end a run the
// same way: running stages see ctx.cancelled(), external programs and
// cluster jobs are stopped, nothing partial is trusted, report.json is
// still written, and flowrun exits with 128 + the signal (130 for SIGINT,
// 143 for SIGTERM; docs/architecture.md#exit-codes).
#pragma once

#include <atomic>

namespace flowrun {

// Installs the SIGINT and SIGTERM handlers; the first signal sets `cancel`.
// A second signal ends flowrun at once, by that signal; a repeat within half
// a second of the first counts as the same one, since a signal sent to a
// whole process group (`kill -INT -PGID`, coreutils `timeout`) can reach
// flowrun twice.
void watch_interrupts(std::atomic<bool>& cancel);

// The signal that cancelled the run (SIGINT or SIGTERM), or 0.
int interrupt_signal();

// Exit code of a finished run: 130/143 when interrupted, else 0 (ok) or 1.
int run_exit_code(bool ok);

}  // namespace flowrun
