#include "interrupt.hpp"

#include <csignal>
#include <cstdint>
#include <ctime>

namespace flowrun {

namespace {

std::atomic<bool>* g_cancel = nullptr;
std::atomic<int> g_signal{0};
std::atomic<std::int64_t> g_first_ns{0};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "used in a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "used in a signal handler");
static_assert(std::atomic<bool>::is_always_lock_free, "used in a signal handler");

std::int64_t monotonic_ns() {  // clock_gettime is async-signal-safe
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

extern "C" void on_signal(int sig) {
  const std::int64_t now = monotonic_ns();
  std::int64_t first = 0;
  if (g_first_ns.compare_exchange_strong(first, now)) {
    g_signal.store(sig);
    if (g_cancel) g_cancel->store(true);
    return;
  }
  if (now - first < 500'000'000) return;
  std::signal(sig, SIG_DFL);
  std::raise(sig);  // delivered when the handler returns: flowrun ends by the signal
}

}  // namespace

void watch_interrupts(std::atomic<bool>& cancel) {
  g_cancel = &cancel;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int interrupt_signal() { return g_signal.load(); }

int run_exit_code(bool ok) {
  if (const int sig = g_signal.load()) return 128 + sig;
  return ok ? 0 : 1;
}

}  // namespace flowrun
