// The Slurm executor on a real one-node cluster (tests/slurm/cluster.sh,
// started by the CTest fixture): same results as the local executor, one
// job array per sweep, cached stages never submitted, and every way a job
// can end (stage failure, time limit, cancelled from outside, Ctrl-C,
// SIGTERM) reported with Slurm's reason, with no job left behind.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <set>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <thread>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

std::string slurm_out(const std::string& program, const std::vector<std::string>& args) {
  ToolCall call;
  call.program = program;
  call.args = args;
  call.cwd = fs::temp_directory_path();
  call.timeout = std::chrono::seconds(30);
  const fs::path exe = resolve_program(program, {});
  if (exe.empty()) return "";
  return run_program(exe, call, nullptr).output;
}

// Jobs of this test still alive: "ID|NAME|STATE" lines whose name starts with `prefix`.
std::vector<std::string> live_jobs(const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(slurm_out("squeue", {"--noheader", "--array", "--format=%i|%j|%T",
                                             "--states=PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED"}));
  std::string line;
  while (std::getline(in, line)) {
    auto bar = line.find('|');
    if (bar != std::string::npos && line.compare(bar + 1, prefix.size(), prefix) == 0)
      out.push_back(line);
  }
  return out;
}

// A flowrun run in the background, so a test can act while it runs.
struct Background {
  pid_t pid = -1;
  fs::path log;
  // The exit code; -N when flowrun was killed by signal N (so an expected
  // 130 is flowrun's own exit after Ctrl-C, not a death by SIGINT).
  int wait_exit() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  ~Background() {
    if (pid > 0) {
      // A test that stopped early: let flowrun cancel its jobs first.
      ::kill(pid, SIGINT);
      for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

class Slurm : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ::setenv("SLURM_CONF", FLOWRUN_SLURM_CONF, 0);
    if (!fs::exists(FLOWRUN_SLURM_CONF)) GTEST_SKIP() << "no test cluster (slurm.cluster_start)";
    write_text(dir_ / "site.yaml", "slurm:\n  poll_seconds: 0.2\n");
  }
  void TearDown() override {
    // No job of this test may outlive it.
    EXPECT_TRUE(live_jobs(prefix()).empty()) << live_jobs(prefix()).front();
    TempDirTest::TearDown();
  }
  // Stage names carry the test's name, so parallel tests tell their jobs apart.
  std::string prefix() const {
    return "flowrun." + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::string tag() const {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  std::string flow(const std::string& stages) {
    write_text(dir_ / "flow.yaml", "name: slurm_test\nplugins: [" + plugin("demo") +
                                       "]\nstages:\n" + stages);
    return (dir_ / "flow.yaml").string();
  }
  std::vector<std::string> slurm_args(const std::string& f, const std::string& run_dir,
                                      const std::string& cache) {
    return {"run", f, "--executor", "slurm", "--site", (dir_ / "site.yaml").string(),
            "--run-dir", (dir_ / run_dir).string(), "--cache-dir", (dir_ / cache).string()};
  }
  Background start(const std::vector<std::string>& args) {
    Background b;
    b.log = dir_ / "flowrun.log";
    fs::remove(b.log);  // wait_for_run_start must not see an earlier run's header
    b.pid = ::fork();
    if (b.pid == 0) {
      int fd = ::open(b.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::chdir(dir_.c_str());
      std::vector<char*> argv;
      std::string bin = FLOWRUN_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    return b;
  }
  // Jobs of this run wait in the queue (reason BeginTime) until cancelled,
  // so a test can act on a job whose stage process never started.
  void hold_jobs_in_queue() {
    write_text(dir_ / "site.yaml", "slurm:\n  poll_seconds: 0.2\n  sbatch_options: [--begin=now+3600]\n");
  }
  // Waits until flowrun has printed its header (its signal handlers are in place).
  void wait_for_run_start(const Background& b) {
    for (int i = 0; i < 300 && read_text(b.log).find("flow slurm_test:") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // report.json of an interrupted run: every stage ended (failed with its
  // error and times, or skipped, or ok), none left without an outcome.
  void expect_complete_report(const json& r, const std::string& context) {
    EXPECT_EQ(r["status"], "failed") << context;
    for (const auto& name : r["stage_order"]) {
      const json& st = r["stages"][name.get<std::string>()];
      const std::string status = st["status"];
      EXPECT_TRUE(status == "ok" || status == "failed" || status == "skipped") << context << st.dump();
      if (status == "skipped") continue;
      EXPECT_TRUE(st.contains("started_s") && st.contains("finished_s")) << context << st.dump();
      if (status == "failed") EXPECT_FALSE(st["error"].get<std::string>().empty()) << context << st.dump();
    }
  }
  // Waits until `count` jobs of this test are in the state; returns their ids.
  std::vector<std::string> wait_for_jobs(size_t count, const std::string& state) {
    for (int i = 0; i < 300; ++i) {
      std::vector<std::string> ids;
      for (const auto& line : live_jobs(prefix()))
        if (line.substr(line.rfind('|') + 1) == state) ids.push_back(line.substr(0, line.find('|')));
      if (ids.size() >= count) return ids;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no " << count << " " << state << " jobs of " << prefix();
    return {};
  }
};

TEST_F(Slurm, FlowAndSweepMatchTheLocalExecutorByteForByte) {
  const std::string t = tag();
  const std::string f = flow(
      "  " + t + "_src:\n    uses: demo.source\n    with: {text: hello slurm, lines: 5}\n"
      "  " + t + "_up:\n    uses: demo.transform\n    matrix: {mode: [upper, lower, reverse]}\n"
      "    inputs: {text: " + t + "_src.text}\n"
      "  " + t + "_all:\n    uses: demo.concat\n    inputs: {parts: " + t + "_up.text}\n");
  auto local = run_flowrun({"run", f, "--run-dir", (dir_ / "local").string(), "--cache-dir",
                            (dir_ / "cache-local").string()}, dir_);
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto r = run_flowrun(slurm_args(f, "cluster", "cache-cluster"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const json a = read_json(dir_ / "local/report.json");
  const json b = read_json(dir_ / "cluster/report.json");
  ASSERT_EQ(a["stages"].size(), 5u);
  std::set<std::string> array_ids;
  for (const auto& [name, s] : a["stages"].items()) {
    const json& c = b["stages"][name];
    EXPECT_EQ(c["status"], "ok") << name;
    EXPECT_EQ(c["outputs"], s["outputs"]) << name;
    for (const auto& [port, path] : s["outputs"].items())
      EXPECT_EQ(read_text(dir_ / "cluster" / path.get<std::string>()),
                read_text(dir_ / "local" / path.get<std::string>())) << name << "." << port;
    EXPECT_EQ(read_json(dir_ / "cluster" / s["dir"].get<std::string>() / "manifest.json")["outputs"],
              read_json(dir_ / "local" / s["dir"].get<std::string>() / "manifest.json")["outputs"]);
    // report.json names the job that ran each stage.
    ASSERT_TRUE(c.contains("job")) << name;
    EXPECT_EQ(c["job"]["scheduler"], "slurm");
    EXPECT_EQ(c["job"]["state"], "COMPLETED");
    const std::string id = c["job"]["job_id"];
    if (name.find("_up[") != std::string::npos) {
      ASSERT_NE(id.find('_'), std::string::npos) << "sweep instances run as array tasks: " << id;
      array_ids.insert(id.substr(0, id.find('_')));
    } else {
      EXPECT_EQ(id.find('_'), std::string::npos) << id;
    }
    EXPECT_TRUE(fs::exists(dir_ / "cluster" / c["job"]["output"].get<std::string>()));
  }
  EXPECT_EQ(array_ids.size(), 1u) << "the three instances share one job array";

  // Cached stages are never submitted.
  auto again = run_flowrun(slurm_args(f, "cluster", "cache-cluster"), dir_);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (const auto& [name, s] : read_json(dir_ / "cluster/report.json")["stages"].items()) {
    EXPECT_EQ(s["status"], "cached") << name;
    EXPECT_FALSE(s.contains("job")) << name;
  }
}

TEST_F(Slurm, FailingStageKeepsItsErrorAndSlurmsReason) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_bad:\n    uses: demo.fail\n    with: {message: broke on the cluster}\n"
                             "  " + t + "_after:\n    uses: demo.sleep\n    inputs: {any: " + t + "_bad.text}\n");
  auto r = run_flowrun(slurm_args(f, "run", "cache"), dir_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json s = report()["stages"];
  const json& bad = s[t + "_bad"];
  EXPECT_EQ(bad["status"], "failed");
  EXPECT_NE(bad["error"].get<std::string>().find("broke on the cluster"), std::string::npos) << bad.dump();
  EXPECT_EQ(bad["job"]["state"], "FAILED");
  EXPECT_EQ(bad["job"]["reason"], "NonZeroExitCode");
  EXPECT_EQ(bad["job"]["exit_code"], "1:0");
  EXPECT_EQ(s[t + "_after"]["status"], "skipped");
  EXPECT_FALSE(fs::exists(dir_ / "run" / (t + "_bad") / "out"));
}

TEST_F(Slurm, TimeLimitOverrunIsReported) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_slow:\n    uses: demo.sleep\n    with: {seconds: 900}\n"
                             "    resources: {time: 1m}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  const auto ids = wait_for_jobs(1, "RUNNING");
  ASSERT_GE(ids.size(), 1u);
  // Slurm counts limits in minutes; rather than wait a minute, move this
  // job's end to now, and Slurm's own time-limit check ends it (TIMEOUT).
  slurm_out("scontrol", {"update", "JobId=" + ids[0], "EndTime=now+2"});
  EXPECT_EQ(b.wait_exit(), 1) << read_text(b.log);
  const json slow = report()["stages"][t + "_slow"];
  EXPECT_EQ(slow["status"], "failed");
  EXPECT_NE(slow["error"].get<std::string>().find("exceeded its time limit of 1m"), std::string::npos)
      << slow.dump();
  EXPECT_EQ(slow["job"]["state"], "TIMEOUT");
  EXPECT_EQ(slow["job"]["reason"], "TimeLimit");
  EXPECT_FALSE(fs::exists(dir_ / "run" / (t + "_slow") / "out"));
}

TEST_F(Slurm, JobCancelledOutsideFlowrunIsReported) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_slow:\n    uses: demo.sleep\n    with: {seconds: 900}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  const auto ids = wait_for_jobs(1, "RUNNING");
  ASSERT_GE(ids.size(), 1u);
  slurm_out("scancel", {ids[0]});
  EXPECT_EQ(b.wait_exit(), 1) << read_text(b.log);
  const json slow = report()["stages"][t + "_slow"];
  EXPECT_EQ(slow["status"], "failed");
  EXPECT_NE(slow["error"].get<std::string>().find("cancelled outside flowrun"), std::string::npos)
      << slow.dump();
  EXPECT_EQ(slow["job"]["state"].get<std::string>().rfind("CANCELLED", 0), 0u) << slow.dump();
}

TEST_F(Slurm, CtrlCCancelsEveryJobAndStillWritesTheReport) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_s:\n    uses: demo.sleep\n    with: {seconds: 900}\n"
                             "    matrix: {ignore_cancel: [true, false]}\n"
                             "  " + t + "_one:\n    uses: demo.sleep\n    with: {seconds: 900}\n"
                             "  " + t + "_next:\n    uses: demo.sleep\n    inputs: {any: " + t + "_s.text}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  // Three jobs (two array tasks and one job) on a two-CPU node shared with
  // other tests: some run, the rest wait in the queue; Ctrl-C must cancel
  // both kinds.
  ASSERT_GE(wait_for_jobs(1, "RUNNING").size(), 1u);
  for (int i = 0; i < 300 && live_jobs(prefix()).size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(live_jobs(prefix()).size(), 3u);
  ::kill(b.pid, SIGINT);
  EXPECT_EQ(b.wait_exit(), 130) << read_text(b.log);
  const json s = report()["stages"];
  for (const auto& [name, st] : s.items()) {
    if (name == t + "_next") {
      EXPECT_EQ(st["status"], "skipped");
      continue;
    }
    EXPECT_EQ(st["status"], "failed") << name;
    EXPECT_NE(st["error"].get<std::string>().find("cancelled"), std::string::npos) << st.dump();
  }
  EXPECT_TRUE(live_jobs(prefix()).empty());
}

TEST_F(Slurm, SigtermCancelsLikeCtrlC) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_slow:\n    uses: demo.sleep\n    with: {seconds: 900}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  ASSERT_GE(wait_for_jobs(1, "RUNNING").size(), 1u);
  ::kill(b.pid, SIGTERM);
  EXPECT_EQ(b.wait_exit(), 143) << read_text(b.log);
  const json slow = report()["stages"][t + "_slow"];
  EXPECT_EQ(slow["status"], "failed");
  EXPECT_NE(slow["error"].get<std::string>().find("flowrun was interrupted"), std::string::npos)
      << slow.dump();
  EXPECT_TRUE(live_jobs(prefix()).empty());
}

// The job ends before its stage process starts, so only flowrun can record
// the stage's end: it must, with the reason, in a folder that exists.
TEST_F(Slurm, JobCancelledWhileQueuedIsReported) {
  const std::string t = tag();
  hold_jobs_in_queue();
  const std::string f = flow("  " + t + "_held:\n    uses: demo.sleep\n    with: {seconds: 1}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  const auto ids = wait_for_jobs(1, "PENDING");
  ASSERT_GE(ids.size(), 1u);
  slurm_out("scancel", {ids[0]});
  EXPECT_EQ(b.wait_exit(), 1) << read_text(b.log);
  const json r = report();
  expect_complete_report(r, "");
  const json held = r["stages"][t + "_held"];
  EXPECT_EQ(held["status"], "failed");
  EXPECT_NE(held["error"].get<std::string>().find("cancelled outside flowrun"), std::string::npos)
      << held.dump();
  EXPECT_EQ(held["job"]["state"].get<std::string>().rfind("CANCELLED", 0), 0u) << held.dump();
  EXPECT_EQ(read_json(dir_ / "run" / held["dir"].get<std::string>() / "manifest.json")["status"],
            "failed");
}

TEST_F(Slurm, SigtermWhileQueuedCancelsTheJobs) {
  const std::string t = tag();
  hold_jobs_in_queue();
  const std::string f = flow("  " + t + "_held:\n    uses: demo.sleep\n    matrix: {seconds: [1, 2]}\n"
                             "  " + t + "_next:\n    uses: demo.sleep\n    inputs: {any: " + t + "_held.text}\n");
  Background b = start(slurm_args(f, "run", "cache"));
  ASSERT_EQ(wait_for_jobs(2, "PENDING").size(), 2u);
  ::kill(b.pid, SIGTERM);
  EXPECT_EQ(b.wait_exit(), 143) << read_text(b.log);
  const json r = report();
  expect_complete_report(r, "");
  for (const auto& [name, st] : r["stages"].items()) {
    if (name == t + "_next") {
      EXPECT_EQ(st["status"], "skipped");
      continue;
    }
    EXPECT_NE(st["error"].get<std::string>().find("flowrun was interrupted"), std::string::npos)
        << st.dump();
  }
  EXPECT_TRUE(live_jobs(prefix()).empty());
}

// Ctrl-C at different moments of a run (while submitting, while jobs queue,
// start and run, between stages): always exit 130, a complete report.json
// and no job left behind.
TEST_F(Slurm, InterruptAtAnyMomentLeavesACompleteReport) {
  const std::string t = tag();
  const std::string f = flow("  " + t + "_a:\n    uses: demo.sleep\n    with: {seconds: 0.3}\n"
                             "  " + t + "_b:\n    uses: demo.sleep\n    matrix: {seconds: [600, 601]}\n"
                             "    inputs: {any: " + t + "_a.text}\n"
                             "  " + t + "_c:\n    uses: demo.sleep\n    with: {seconds: 600}\n");
  for (const int delay_ms : {0, 150, 400, 800, 1300, 2000}) {
    const std::string context = "Ctrl-C " + std::to_string(delay_ms) + " ms into the run: ";
    const std::string run = "run" + std::to_string(delay_ms);
    Background b = start(slurm_args(f, run, "cache" + std::to_string(delay_ms)));
    wait_for_run_start(b);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(b.pid, SIGINT);
    EXPECT_EQ(b.wait_exit(), 130) << context << read_text(b.log);
    const json r = read_json(dir_ / run / "report.json");
    expect_complete_report(r, context);
    // Whatever was running or queued says it was cancelled, not lost.
    for (const auto& [name, st] : r["stages"].items())
      if (st["status"] == "failed")
        EXPECT_NE(st["error"].get<std::string>().find("cancelled"), std::string::npos) << context << st.dump();
    EXPECT_TRUE(live_jobs(prefix()).empty()) << context;
  }
}

}  // namespace
