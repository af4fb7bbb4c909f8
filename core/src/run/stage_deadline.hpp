// A stage's wall-time limit (`resources: {time: 30m}`) on this machine.
// The stage sees the limit the way it sees Ctrl-C: ctx.cancelled() turns
// true and its external programs are killed; the stage then fails with a
// message naming the limit. A stage busy in a long computation that never
// asks ctx.cancelled() runs on, but fails all the same when it returns
// late, so a run never trusts a result that came past its limit.
// (--isolate kills the stage process itself at the limit; on Slurm the
// job's --time does.)
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace flowrun {

class StageDeadline {
 public:
  // `run_cancel` is the run's Ctrl-C/SIGTERM flag; `limit_s` 0 means none.
  StageDeadline(const std::atomic<bool>& run_cancel, std::int64_t limit_s);
  ~StageDeadline();
  StageDeadline(const StageDeadline&) = delete;
  StageDeadline& operator=(const StageDeadline&) = delete;

  // What the stage watches: the run's cancel flag, raised also at the limit.
  const std::atomic<bool>& stop() const { return limit_s_ > 0 ? stop_ : run_cancel_; }
  // Whether the limit passed while the stage ran.
  bool expired() const { return expired_.load(); }
  // "the stage exceeded its time limit of 30m (resources.time)".
  std::string message() const;

 private:
  void watch();

  const std::atomic<bool>& run_cancel_;
  const std::int64_t limit_s_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> expired_{false};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watcher_;
};

// The same sentence for every executor that enforces a limit.
std::string time_limit_message(std::int64_t limit_s);

}  // namespace flowrun
