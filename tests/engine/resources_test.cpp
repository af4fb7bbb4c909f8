// Stage resources on the local executor: a stage's declared threads, the
// flow's `resources:` overrides, and the scheduler never holding more
// threads at once than -j (docs/architecture.md#resources).
#include "cli_helpers.hpp"
#include "resources.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class Resources : public TempDirTest {
 protected:
  std::string flow(const std::string& stages) {
    write_text(dir_ / "flow.yaml",
               "name: res\nplugins: [" + plugin("demo") + "]\nstages:\n" + stages);
    return (dir_ / "flow.yaml").string();
  }
  // The largest number of threads held at one moment, from the report's
  // start/finish times and each stage's `threads` metric.
  static int peak_threads(const json& report) {
    std::vector<std::pair<double, int>> events;
    for (const auto& [name, s] : report["stages"].items()) {
      if (!s["metrics"].contains("threads")) continue;
      const int n = s["metrics"]["threads"].get<int>();
      events.push_back({s["started_s"].get<double>(), n});
      events.push_back({s["finished_s"].get<double>(), -n});
    }
    // At equal times a finish comes first: the threads were handed on.
    std::sort(events.begin(), events.end(), [](auto& a, auto& b) {
      return a.first != b.first ? a.first < b.first : a.second < b.second;
    });
    int now = 0, peak = 0;
    for (const auto& e : events) peak = std::max(peak, now += e.second);
    return peak;
  }
};

TEST_F(Resources, SweepNeverHoldsMoreThreadsThanJobs) {
  // Six instances that may each use up to four threads, at -j 2 and -j 3.
  const std::string f = flow(
      "  busy:\n    uses: demo.threads\n    with: {seconds: 0.3}\n"
      "    matrix: {tag: [1, 2, 3, 4, 5, 6]}\n");
  for (int jobs : {2, 3}) {
    auto r = run(f, {"--no-cache", "-j", std::to_string(jobs)});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const json rep = report();
    EXPECT_LE(peak_threads(rep), jobs) << rep.dump(1);
    EXPECT_GE(peak_threads(rep), 2) << "instances should run side by side";
    for (const auto& [name, s] : rep["stages"].items()) {
      EXPECT_GE(s["metrics"]["threads"].get<int>(), 1);
      EXPECT_LE(s["metrics"]["threads"].get<int>(), jobs);
    }
  }
}

TEST_F(Resources, LoneStageGetsItsDeclaredMaximum) {
  auto r = run(flow("  one:\n    uses: demo.threads\n"), {"--no-cache", "-j", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(report()["stages"]["one"]["metrics"]["threads"], 4);  // up to 4
}

TEST_F(Resources, FlowOverridesThreads) {
  const std::string f = flow(
      "  fixed:\n    uses: demo.threads\n    resources: {threads: 3, mem: 1G, time: 10m}\n"
      "  upto:\n    uses: demo.threads\n    resources: {threads: up to 1}\n"
      "  every:\n    uses: demo.threads\n    resources: {threads: all}\n");
  auto r = run(f, {"--no-cache", "-j", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json rep = report();
  EXPECT_EQ(rep["stages"]["fixed"]["metrics"]["threads"], 3);
  EXPECT_EQ(rep["stages"]["upto"]["metrics"]["threads"], 1);
  EXPECT_EQ(rep["stages"]["every"]["metrics"]["threads"], 6);
  EXPECT_LE(peak_threads(rep), 6);
  // A fixed request larger than -j runs with -j threads rather than never.
  auto small = run(f, {"--no-cache", "-j", "2"});
  ASSERT_EQ(small.exit_code, 0) << small.output;
  EXPECT_EQ(report()["stages"]["fixed"]["metrics"]["threads"], 2);
  EXPECT_LE(peak_threads(report()), 2);
}

TEST_F(Resources, BadResourcesAreFlowErrors) {
  const std::string f = flow(
      "  a:\n    uses: demo.threads\n    resources: {threads: lots, mem: 8Q, time: 30, cpus: 2}\n");
  auto r = run(f);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("flow.yaml:6:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expected a thread count"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expected a memory size"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expected a duration"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'cpus'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "report.json"));
}

// `resources: {time: ...}` on this machine: a stage that watches
// ctx.cancelled() is stopped at its limit, one that does not fails when it
// returns late, and --isolate kills the stage process at the limit. Each
// fails with the limit named, nothing of it is kept, and what depends on it
// is skipped.
class TimeLimit : public Resources {
 protected:
  std::string limited(bool ignore_cancel, const std::string& seconds) {
    return flow("  slow:\n    uses: demo.sleep\n    with: {seconds: " + seconds + ", ignore_cancel: " +
                (ignore_cancel ? "true" : "false") + "}\n    resources: {time: 1s}\n"
                "  after:\n    uses: demo.sleep\n    inputs: {any: slow.text}\n"
                "  quick:\n    uses: demo.sleep\n    with: {seconds: 0.05}\n    resources: {time: 1s}\n");
  }
  void expect_stopped(const CliResult& r, double at_most_s) {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const json rep = report();
    const json& slow = rep["stages"]["slow"];
    EXPECT_EQ(slow["status"], "failed") << rep.dump(1);
    EXPECT_NE(slow["error"].get<std::string>().find("exceeded its time limit of 1s"), std::string::npos)
        << slow.dump(1);
    EXPECT_LT(slow["finished_s"].get<double>() - slow["started_s"].get<double>(), at_most_s) << slow.dump(1);
    EXPECT_FALSE(fs::exists(dir_ / "run" / "slow" / "out"));
    EXPECT_EQ(rep["stages"]["after"]["status"], "skipped");
    EXPECT_EQ(rep["stages"]["quick"]["status"], "ok") << "a stage within its limit is untouched";
  }
};

TEST_F(TimeLimit, StopsAStageThatWatchesCancellation) {
  auto r = run(limited(false, "60"), {"--no-cache"});
  expect_stopped(r, 10);
  EXPECT_GE(report()["stages"]["slow"]["finished_s"].get<double>() -
                report()["stages"]["slow"]["started_s"].get<double>(),
            1.0);
}

TEST_F(TimeLimit, FailsAStageThatReturnsLate) {
  // Ignores the stop and returns after 2 s: the result came past the limit.
  auto r = run(limited(true, "2"), {"--no-cache"});
  expect_stopped(r, 10);
}

TEST_F(TimeLimit, IsolateKillsTheStageProcess) {
  // Would sleep a minute and ignores the stop: only a kill ends it in time.
  auto r = run(limited(true, "60"), {"--no-cache", "--isolate"});
  expect_stopped(r, 10);
}

TEST(ResourceText, ParsesWhatFlowsWrite) {
  std::string err;
  EXPECT_EQ(parse_threads("4", err)->count, 4);
  EXPECT_EQ(parse_threads("up to 8", err)->kind, ThreadUse::Kind::UpTo);
  EXPECT_EQ(parse_threads("ALL", err)->kind, ThreadUse::Kind::All);
  EXPECT_FALSE(parse_threads("0", err));
  EXPECT_FALSE(parse_threads("-2", err));
  EXPECT_EQ(*parse_mem_mb("8G", err), 8192);
  EXPECT_EQ(*parse_mem_mb("512M", err), 512);
  EXPECT_EQ(*parse_mem_mb("1536K", err), 2);  // rounded up to whole MiB
  EXPECT_EQ(*parse_mem_mb("2GB", err), 2048);
  EXPECT_FALSE(parse_mem_mb("-1G", err));
  EXPECT_EQ(*parse_duration_s("30m", err), 1800);
  EXPECT_EQ(*parse_duration_s("1h30m", err), 5400);
  EXPECT_EQ(*parse_duration_s("01:00:05", err), 3605);
  EXPECT_EQ(*parse_duration_s("2:30", err), 150);
  EXPECT_FALSE(parse_duration_s("30", err));
  EXPECT_FALSE(parse_duration_s("0s", err));
  EXPECT_EQ(duration_to_string(5400), "1h30m");
  EXPECT_EQ(mem_to_string(8192), "8G");
}

TEST(ThreadBudget, SharesFreeThreadsAmongReadyStages) {
  ThreadBudget b;
  b.total = 8;
  EXPECT_EQ(b.grant({ThreadUse::up_to(0), 0}, 1, true), 8);   // alone: everything
  EXPECT_EQ(b.grant({ThreadUse::up_to(0), 0}, 4, true), 2);   // four ready: a quarter
  EXPECT_EQ(b.grant({ThreadUse::fixed(3), 0}, 4, true), 3);
  b.used = 6;
  EXPECT_EQ(b.grant({ThreadUse::fixed(3), 0}, 1, false), 0);  // waits for three free
  EXPECT_EQ(b.grant({ThreadUse::up_to(0), 0}, 1, false), 2);
  EXPECT_EQ(b.grant({ThreadUse::all(), 0}, 1, false), 0);
  b.used = 0;
  b.mem_total_mb = 1000;
  b.mem_used_mb = 900;
  EXPECT_EQ(b.grant({ThreadUse::up_to(1), 200}, 1, false), 0);  // memory does not fit yet
  EXPECT_EQ(b.grant({ThreadUse::up_to(1), 200}, 1, true), 1);   // alone it runs anyway
}

}  // namespace
