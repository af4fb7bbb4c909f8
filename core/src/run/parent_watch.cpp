#include "parent_watch.hpp"

#include "tool_runner.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace flowrun {

namespace {

// The signal the kernel sends when the parent dies. Not SIGKILL (which
// run_program arms for every program it starts): this process must first
// take its tools' whole process groups along, grandchildren included, which
// a bare SIGKILL to it would leave running.
constexpr int kParentDeathSignal = SIGHUP;

extern "C" void on_parent_death(int sig) {
  kill_tool_groups(SIGKILL);
  ::_exit(128 + sig);
}

}  // namespace

void end_with_parent() {
  const pid_t parent = ::getppid();
  struct sigaction sa {};
  sa.sa_handler = on_parent_death;
  sigemptyset(&sa.sa_mask);
  ::sigaction(kParentDeathSignal, &sa, nullptr);
  ::prctl(PR_SET_PDEATHSIG, kParentDeathSignal);
  // A parent that died before prctl took effect sends nothing: look.
  if (::getppid() != parent) on_parent_death(kParentDeathSignal);
}

}  // namespace flowrun
