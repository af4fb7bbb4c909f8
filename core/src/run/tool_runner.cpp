#include "tool_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

ToolResult run_program(const fs::path& program, const ToolCall& call,
                       const std::function<void(std::string_view)>& on_output,
                       const std::atomic<bool>* cancel) {
  using clock = std::chrono::steady_clock;
  ToolResult result;
  Pipe out;
  if (::pipe2(out.fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(strerror(errno)));

  std::vector<std::string> argv_s{program.string()};
  argv_s.insert(argv_s.end(), call.args.begin(), call.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string in_file = call.stdin_file.empty() ? "/dev/null" : call.stdin_file.string();
  posix_spawn_file_actions_addopen(&actions, 0, in_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 2);
  if (!call.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, call.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);  // own group: a timeout kills its children too
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  auto start = clock::now();
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw std::runtime_error("cannot start " + program.string() + ": " + strerror(rc));
  ::close(out.fd[1]);
  out.fd[1] = -1;

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
        continue;
      }
      if (n == 0 || errno != EINTR) break;  // every writer closed: the program ended
    }
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
