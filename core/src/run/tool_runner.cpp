#include "tool_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace flowrun {

fs::path resolve_program(const std::string& program,
                         const std::map<std::string, std::string>& site_tools) {
  std::error_code ec;
  if (program.find('/') != std::string::npos)
    return fs::exists(program, ec) ? fs::path(program) : fs::path{};
  if (auto it = site_tools.find(program); it != site_tools.end())
    return fs::exists(it->second, ec) ? fs::path(it->second) : fs::path{};
  const char* path_env = std::getenv("PATH");
  std::stringstream dirs(path_env ? path_env : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec)) return candidate;
  }
  return {};
}

std::string missing_program_message(const ToolCall& call) {
  std::string msg = "program '" + call.program + "' was not found";
  if (call.program.find('/') == std::string::npos) msg += " on PATH";
  if (!call.debian_package.empty())
    msg += "; install it with `apt-get install " + call.debian_package + "`";
  msg += " or set tools." + fs::path(call.program).filename().string() +
         " in the site configuration (docs/site-config.md)";
  return msg;
}

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

}  // namespace

namespace {

// Process groups of the programs this process is running, in slots a
// signal handler may read (kill_tool_groups). Zero marks a free slot.
constexpr int kMaxGroups = 256;
std::atomic<pid_t> g_groups[kMaxGroups];
static_assert(std::atomic<pid_t>::is_always_lock_free, "read in a signal handler");

void track_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t free_slot = 0;
    if (slot.compare_exchange_strong(free_slot, pgid)) return;
  }
  // More than kMaxGroups programs at once: this one is not taken along by
  // kill_tool_groups, but still dies with its parent (PR_SET_PDEATHSIG).
}

void untrack_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t mine = pgid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

// The child between vfork and exec: only async-signal-safe calls on
// memory prepared by the parent (it shares the parent's memory, and other
// threads may hold locks). Reports errno through `err_fd` when it cannot
// exec.
[[noreturn]] void child_failed(int err_fd, int stage) {
  const int e[2] = {stage, errno};
  [[maybe_unused]] ssize_t n = ::write(err_fd, e, sizeof e);
  ::_exit(127);
}

[[noreturn]] void exec_child(pid_t parent, const char* program, char* const* argv,
                             const char* in_file, int out_fd, const char* cwd, int err_fd) {
  const auto fail = [err_fd](int stage) { child_failed(err_fd, stage); };
  // Handlers of the parent (Ctrl-C, SIGTERM) are not the program's.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_DFL &&
        old.sa_handler != SIG_IGN) {
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      ::sigaction(sig, &dfl, nullptr);
    }
  }
  ::setpgid(0, 0);  // own group: a timeout or cancel kills its children too
  // The program must not outlive the thread that waits for it: a flowrun
  // killed with SIGKILL cannot stop it any other way. If the parent died
  // before prctl took effect, the signal will never come: leave now.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  const int in = ::open(in_file, O_RDONLY);
  if (in < 0) fail(1);
  if (::dup2(in, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) fail(2);
  if (in > 2) ::close(in);
  if (cwd && ::chdir(cwd) != 0) fail(3);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(program, argv, environ);
  child_failed(err_fd, 4);
}

}  // namespace

void kill_tool_groups(int sig) noexcept {
  for (auto& slot : g_groups)
    if (const pid_t pgid = slot.load(); pgid > 0) ::kill(-pgid, sig);
}

ToolResult run_program(const fs::path& program, const ToolCall& call,
                       const std::function<void(std::string_view)>& on_output,
                       const std::atomic<bool>* cancel) {
  using clock = std::chrono::steady_clock;
  ToolResult result;
  Pipe out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));

  // Everything the child needs is prepared here: after vfork it may not
  // allocate.
  std::vector<std::string> argv_s{program.string()};
  argv_s.insert(argv_s.end(), call.args.begin(), call.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string program_s = program.string();
  const std::string in_file = call.stdin_file.empty() ? "/dev/null" : call.stdin_file.string();
  const std::string cwd = call.cwd.string();

  // vfork, not posix_spawn: the child must arm PR_SET_PDEATHSIG before the
  // program starts, which posix_spawn cannot do. vfork rather than fork: no
  // copy of a large engine's page tables, and no overcommit failure; this
  // thread waits until the child has called execve. Signals stay blocked
  // until the child has dropped the parent's handlers.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  const pid_t parent = ::getpid();
  auto start = clock::now();
  const pid_t pid = ::vfork();
  if (pid == 0)
    exec_child(parent, program_s.c_str(), argv.data(), in_file.c_str(), out.fd[1],
               cwd.empty() ? nullptr : cwd.c_str(), err.fd[1]);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) throw std::runtime_error("cannot start " + program_s + ": vfork: " + strerror(fork_errno));
  // Set the group from this side too, so that a kill of the group right
  // after fork cannot miss the child.
  ::setpgid(pid, pid);
  track_group(pid);
  ::close(out.fd[1]);
  out.fd[1] = -1;
  ::close(err.fd[1]);
  err.fd[1] = -1;
  // The error pipe closes on a successful exec, or carries why it failed.
  int child_error[2] = {0, 0};
  ssize_t got;
  do got = ::read(err.fd[0], child_error, sizeof child_error);
  while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof child_error)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    untrack_group(pid);
    std::string reason = strerror(child_error[1]);
    if (child_error[0] == 1) reason = in_file + ": " + reason;
    if (child_error[0] == 3) reason = "cannot change to " + cwd + ": " + reason;
    throw std::runtime_error("cannot start " + program_s + ": " + reason);
  }

  std::ofstream copy;
  if (!call.stdout_file.empty()) copy.open(call.stdout_file, std::ios::binary);

  const auto deadline = start + call.timeout;
  bool killed = false;
  bool reaped = false;
  int status = 0;
  char buf[8192];
  for (;;) {
    pollfd p{out.fd[0], POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      ssize_t n = ::read(out.fd[0], buf, sizeof buf);
      if (n > 0) {
        std::string_view chunk(buf, static_cast<size_t>(n));
        result.output.append(chunk);
        if (copy) copy.write(buf, n);
        if (on_output) on_output(chunk);
      } else if (n == 0 || errno != EINTR) {
        break;  // every writer closed: the program ended
      }
    }
    // Checked after every read too: a program that writes all the time
    // must not keep its timeout or a Ctrl-C from being seen.
    const bool over = call.timeout.count() > 0 && clock::now() > deadline;
    if (over || (cancel && cancel->load())) {
      result.timed_out = over;
      killed = true;
      // SIGTERM to the whole group, two seconds to finish, then SIGKILL.
      ::kill(-pid, SIGTERM);
      for (auto grace = clock::now() + std::chrono::seconds(2); clock::now() < grace;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          reaped = true;
          break;
        }
        ::usleep(20000);
      }
      ::kill(-pid, SIGKILL);
      break;
    }
  }
  if (!reaped) ::waitpid(pid, &status, 0);
  untrack_group(pid);
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  if (killed) {
    result.exit_code = -1;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace flowrun
