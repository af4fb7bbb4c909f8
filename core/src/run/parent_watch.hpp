// `flowrun run-stage` works for the flowrun that started it (--isolate, a
// cluster job's wrapper). When that parent dies, even by SIGKILL, the stage
// must not run on unseen: nobody would read its result, and the rerun's
// run-directory lock cannot see it.
#pragma once

namespace flowrun {

// Ends this process when its parent dies: the programs it runs through
// run_program, their process groups included, get SIGKILL, then it exits
// with 128 + SIGHUP. Call once, early, in a process that has a parent to
// serve. Exits at once when the parent is already gone.
void end_with_parent();

}  // namespace flowrun
