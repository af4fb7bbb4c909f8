#include "run_lock.hpp"

#include <flowrun/spec.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace flowrun {

namespace {

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  off_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
    if (text.size() > 65536) break;  // a lock file is a few hundred bytes
  }
  return text;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  return buf;
}

}  // namespace

std::string describe_lock_holder(const std::string& text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "an unknown process (the lock file does not say which)";
  std::string s = "pid " + std::to_string(j.value("pid", 0L)) + " on host " +
                  j.value("host", std::string("?")) + ", started " +
                  j.value("started", std::string("?"));
  const std::string cmd = j.value("command", std::string());
  if (!cmd.empty()) s += ": " + cmd;
  return s;
}

RunDirLock::RunDirLock(const fs::path& run_dir, const std::string& command)
    : file_(run_dir / kFileName) {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec)
    throw std::runtime_error(run_dir.string() + ": cannot create the run directory: " +
                             ec.message());
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(file_.string() + ": cannot open the run-directory lock: " +
                             std::strerror(errno));
  int rc;
  do rc = ::flock(fd_, LOCK_EX | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    const std::string holder = read_all(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw RunDirBusy("run directory " + run_dir.string() + " is in use by another flowrun (" +
                       describe_lock_holder(holder) + "; lock file " + file_.string() +
                       "); wait for that run to finish or choose another --run-dir");
    throw std::runtime_error(file_.string() + ": cannot lock the run directory: " +
                             std::strerror(err));
  }
  // The lock is ours. A non-empty file means the previous holder ended
  // without releasing it (killed or crashed): its run is over, so take over.
  const std::string previous = read_all(fd_);
  if (!previous.empty()) stale_holder_ = describe_lock_holder(previous);
  const json me = {{"pid", static_cast<long>(::getpid())}, {"host", host_name()},
                   {"started", utc_now()}, {"command", command}};
  const std::string text = me.dump() + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(file_.string() + ": cannot write the run-directory lock: " +
                             std::strerror(err));
  }
}

std::unique_ptr<RunDirLock> acquire_run_dir_lock(const fs::path& run_dir,
                                                 const std::string& command, std::ostream& out,
                                                 std::ostream& err) {
  try {
    auto lock = std::make_unique<RunDirLock>(run_dir, command);
    if (!lock->stale_holder().empty())
      out << "flowrun: taking over " << run_dir.string() << " from a run that ended without "
          << "finishing (" << lock->stale_holder() << "); its finished stages are reused\n";
    return lock;
  } catch (const std::exception& e) {
    err << "flowrun: " << e.what() << "\n";
    return nullptr;
  }
}

RunDirLock::~RunDirLock() {
  if (fd_ < 0) return;
  // Empty means released cleanly; only then unlock (closing does too).
  [[maybe_unused]] int rc = ::ftruncate(fd_, 0);
  ::close(fd_);
}

}  // namespace flowrun
