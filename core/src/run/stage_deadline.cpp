#include "stage_deadline.hpp"

#include "resources.hpp"

#include <chrono>

namespace flowrun {

std::string time_limit_message(std::int64_t limit_s) {
  return "the stage exceeded its time limit of " + duration_to_string(limit_s) +
         " and was stopped (raise `resources: {time: ...}` for this stage)";
}

StageDeadline::StageDeadline(const std::atomic<bool>& run_cancel, std::int64_t limit_s)
    : run_cancel_(run_cancel), limit_s_(limit_s) {
  if (limit_s_ > 0) watcher_ = std::thread([this] { watch(); });
}

StageDeadline::~StageDeadline() {
  if (!watcher_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  watcher_.join();
}

std::string StageDeadline::message() const { return time_limit_message(limit_s_); }

void StageDeadline::watch() {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(limit_s_);
  std::unique_lock<std::mutex> lock(mutex_);
  // Wakes every 50 ms to pass a Ctrl-C on; the run's flag is set from a
  // signal handler and cannot notify a condition variable.
  while (!done_) {
    if (run_cancel_.load()) {
      stop_ = true;
      return;
    }
    if (clock::now() >= deadline) {
      expired_ = true;
      stop_ = true;
      return;
    }
    done_cv_.wait_until(lock, std::min(deadline, clock::now() + std::chrono::milliseconds(50)));
  }
}

}  // namespace flowrun
