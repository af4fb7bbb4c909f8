// The run-directory lock: one flowrun run at a time per run directory.
//
// A run holds an exclusive flock(2) on <run dir>/.flowrun.lock for its whole
// life. The kernel drops the lock when the process ends in any way (exit,
// crash, kill -9), so a lock left by a dead process is never in the way: the
// next run takes it over and says so. The file also records who holds it
// (pid, host, start time, command) so that a second run can name the holder
// in its error. The descriptor is close-on-exec: tools that stages start do
// not keep a run directory locked after flowrun is gone.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

namespace flowrun {

namespace fs = std::filesystem;

// Thrown when another live process holds the lock; what() names the lock
// file and the holder. Callers exit with code 2 (nothing was run).
class RunDirBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunDirLock {
 public:
  static constexpr const char* kFileName = ".flowrun.lock";

  // Creates the run directory if needed and takes the lock. `command` is
  // recorded for the error message of a second run. Throws RunDirBusy when
  // the directory is in use, std::runtime_error when the lock file cannot be
  // created (e.g. a read-only or full file system).
  RunDirLock(const fs::path& run_dir, const std::string& command);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

  const fs::path& file() const { return file_; }
  // What the lock file said when this run took it over from a process that
  // had ended without releasing it ("" when the lock was free and clean).
  const std::string& stale_holder() const { return stale_holder_; }

 private:
  fs::path file_;
  int fd_ = -1;
  std::string stale_holder_;
};

// For commands: takes the lock, saying on `out` when it takes over from an
// ended run, or prints on `err` why it cannot and returns null (the
// command then exits with code 2, having touched nothing).
std::unique_ptr<RunDirLock> acquire_run_dir_lock(const fs::path& run_dir,
                                                 const std::string& command, std::ostream& out,
                                                 std::ostream& err);

// A one-line description of a lock file's holder, e.g.
// "pid 1234 on host build7, started 2026-01-02 10:11:12 UTC: flowrun run f.yaml".
std::string describe_lock_holder(const std::string& lock_file_text);

}  // namespace flowrun
