// An executor that fails without giving an outcome (it throws from run(), or
// from run_batch() after reporting only some of its jobs) must still leave
// every stage it was handed with a failed outcome, its error and its times,
// so report.json is complete; and each stage's folder exists before an
// executor runs it, so an executor can leave its failure there even for a
// job that ended before the stage process started (a cluster job cancelled
// in the queue).
#include "engine.hpp"
#include "flow_test_util.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace flowrun {
namespace {

using test::load;
using test::write_temp_flow;

// Throws instead of running, after checking what the scheduler promised.
class ThrowingExecutor : public Executor {
 public:
  explicit ThrowingExecutor(bool remote) : remote_(remote) {}
  std::string name() const override { return "throwing"; }
  bool remote() const override { return remote_; }
  bool batches() const override { return remote_; }
  StageOutcome run(const StageJob& job, const ProgressSink&) override {
    folders_existed = folders_existed && fs::is_directory(job.stage_dir());
    throw std::runtime_error("lost contact with " + job.instance->name);
  }
  // Reports the first job, then throws for the rest.
  void run_batch(const std::vector<StageJob>& jobs, const std::vector<ProgressSink>&,
                 const std::function<void(size_t, StageOutcome)>& done) override {
    for (const auto& j : jobs) folders_existed = folders_existed && fs::is_directory(j.stage_dir());
    StageOutcome first;
    first.status = StageStatus::Failed;
    first.error = "the first job's own error";
    done(0, std::move(first));
    throw std::runtime_error("the batch broke off");
  }
  bool folders_existed = true;

 private:
  bool remote_;
};

class ExecutorFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    run_dir_ = fs::temp_directory_path() /
               ("flowrun-executor-failure-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(run_dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(run_dir_);
  }
  RunSummary run(const std::string& flow_text, Executor& executor) {
    loaded_ = load(write_temp_flow("executor_failure.yaml", flow_text));
    EXPECT_TRUE(loaded_.diags.empty()) << loaded_.all();
    RunOptions options;
    options.run_dir = run_dir_;
    options.jobs = 2;
    const Cache cache(run_dir_ / "cache", false);
    std::ostringstream out;
    ProgressBoard board(out, false);
    const std::atomic<bool> cancel{false};
    RunSummary summary = run_flow(loaded_.flow, options, cache, executor, board, cancel);
    board.close();
    return summary;
  }
  // What report.json says of `name`: failed, with `error` in its message, times set.
  void expect_failed(const RunSummary& s, const std::string& name, const std::string& error) {
    const StageRecord& rec = s.stages.at(name);
    EXPECT_EQ(rec.outcome.status, StageStatus::Failed) << name;
    EXPECT_NE(rec.outcome.error.find(error), std::string::npos) << name << ": " << rec.outcome.error;
    EXPECT_GE(rec.started_s, 0) << name;
    EXPECT_GE(rec.finished_s, rec.started_s) << name;
    const json m = read_manifest(run_dir_ / loaded_.stage(name).dir);
    ASSERT_TRUE(m.is_object()) << name << ": no failed manifest in the stage folder";
    EXPECT_EQ(m["status"], "failed") << name;
  }
  fs::path run_dir_;
  test::Loaded loaded_;
};

TEST_F(ExecutorFailure, ThrowingRunFailsTheStageWithTheExecutorsMessage) {
  ThrowingExecutor executor(/*remote=*/false);
  const RunSummary s = run(
      "name: t\nstages:\n  src:\n    uses: demo.source\n"
      "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n",
      executor);
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(executor.folders_existed);
  expect_failed(s, "src", "executor error: lost contact with src");
  EXPECT_EQ(s.stages.at("up").outcome.status, StageStatus::Skipped);
}

TEST_F(ExecutorFailure, BatchThatBreaksOffStillGivesEveryInstanceAnOutcome) {
  ThrowingExecutor executor(/*remote=*/true);
  const RunSummary s = run(
      "name: t\nstages:\n  src:\n    uses: demo.source\n    matrix: {lines: [1, 2, 3]}\n", executor);
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(executor.folders_existed);
  ASSERT_EQ(s.stages.size(), 3u);
  int own = 0, broken = 0;
  for (const auto& [name, rec] : s.stages) {
    if (rec.outcome.error == "the first job's own error") {
      ++own;
      EXPECT_GE(rec.started_s, 0) << name;
    } else {
      ++broken;
      expect_failed(s, name, "executor error: the batch broke off");
    }
  }
  EXPECT_EQ(own, 1);
  EXPECT_EQ(broken, 2);
}

}  // namespace
}  // namespace flowrun
