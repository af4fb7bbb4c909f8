// `flowrun run --isolate` killed with SIGKILL: no stage process, no tool it
// started and no child of such a tool may run on (run_program arms
// PR_SET_PDEATHSIG; `flowrun run-stage` takes its tools' process groups
// along when its parent dies).
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

// True while `pid` is a process that still runs (a zombie has ended).
bool running(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');  // the command name may hold spaces
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' &&
         line[close + 2] != 'X';
}

std::vector<int> pids_after(const std::string& output, const std::string& tag) {
  std::vector<int> pids;
  const auto at = output.find(tag);
  if (at == std::string::npos) return pids;
  std::istringstream in(output.substr(at + tag.size(), output.find('\n', at) - at - tag.size()));
  for (int p; in >> p;) pids.push_back(p);
  return pids;
}

class IsolateOrphans : public TempDirTest {};

TEST_F(IsolateOrphans, KillDashNineOfFlowrunLeavesNoStageOrToolRunning) {
  // Two stages side by side, each in its own `flowrun run-stage`: one that
  // ignores cancellation (a stage stuck in a long computation) and one
  // running a tool that has a child of its own.
  write_text(dir_ / "flow.yaml",
             "name: orphans\nplugins: [" + plugin("demo") + "]\nstages:\n"
             "  nap:\n    uses: demo.sleep\n    with: {seconds: 60, ignore_cancel: true}\n"
             "  tool:\n    uses: demo.tool\n"
             "    with: {program: sh, timeout: 120, args: ['-c', 'sleep 61 & echo $! > pids; echo $$ >> pids; wait']}\n");
  const fs::path run = dir_ / "run";
  ToolCall call{.program = "sh",
                .args = {"-c",
                         "\"$0\" run \"$1\" --run-dir \"$2\" --cache-dir \"$3\" -j 2 --isolate >flowrun.log 2>&1 & p=$!\n"
                         "n=0; while [ \"$(cat \"$2/tool/work/pids\" 2>/dev/null | wc -l)\" != 2 ] || [ ! -e \"$2/nap/log.txt\" ]; do\n"
                         "  [ $n -gt 600 ] && break; sleep 0.05; n=$((n+1)); done\n"
                         "sleep 0.3\n"
                         "echo \"stages= $(pgrep -f -- \"run-stage .*--run-dir $2 \" | tr '\\n' ' ')\"\n"
                         "echo \"tools= $(cat \"$2/tool/work/pids\" | tr '\\n' ' ')\"\n"
                         "kill -9 $p; wait $p; echo \"status=$?\"\n",
                         FLOWRUN_BIN, (dir_ / "flow.yaml").string(), run.string(), (dir_ / "cache").string()},
                .cwd = dir_,
                .timeout = std::chrono::seconds(60)};
  const ToolResult r = run_program(resolve_program("sh", {}), call, nullptr);
  ASSERT_NE(r.output.find("status=137"), std::string::npos) << r.output << read_text(dir_ / "flowrun.log");
  const auto stages = pids_after(r.output, "stages=");
  const auto tools = pids_after(r.output, "tools=");
  // Both stage processes and both tool processes (sh and its sleep) were
  // there at the kill.
  ASSERT_EQ(stages.size(), 2u) << r.output;
  ASSERT_EQ(tools.size(), 2u) << r.output;
  std::vector<int> all = stages;
  all.insert(all.end(), tools.begin(), tools.end());
  // The kernel delivers the parent-death signals at once; allow a moment
  // for the processes to end and be reaped.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<int> alive;
  do {
    alive.clear();
    for (int p : all)
      if (running(p)) alive.push_back(p);
    if (alive.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  for (int p : alive) {
    ADD_FAILURE() << "process " << p << " outlived flowrun: " << read_text("/proc/" + std::to_string(p) + "/cmdline");
    ::kill(p, SIGKILL);  // leave the machine clean all the same
  }
  // Nothing half-done looks finished: the rerun would run both again.
  EXPECT_FALSE(fs::exists(run / "nap" / "out"));
  EXPECT_FALSE(fs::exists(run / "tool" / "out"));
}

}  // namespace
