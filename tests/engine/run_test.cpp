// Running flows end to end through the flowrun program: the run directory
// contract, the cache, failures, crashes under --isolate, exit codes.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

// src -> up -> tail, plus an independent branch `other`.
std::string chain_flow(const std::string& extra_stages = "") {
  return "name: chain\n"
         "plugins: [" + plugin("demo") + ", " + plugin("crash") + "]\n"
         "stages:\n"
         "  src:\n    uses: demo.source\n    with: {text: hello, lines: 3}\n"
         "  up:\n    uses: demo.transform\n    with: {mode: upper}\n    inputs: {text: src.text}\n"
         "  tail:\n    uses: demo.transform\n    with: {mode: reverse}\n    inputs: {text: up.text}\n"
         "  other:\n    uses: demo.source\n    with: {text: other, lines: 2}\n" +
         extra_stages;
}

class Run : public TempDirTest {
 protected:
  std::string write_flow(const std::string& text) {
    write_text(dir_ / "flow.yaml", text);
    return (dir_ / "flow.yaml").string();
  }
  std::string status(const std::string& stage) {
    return report()["stages"][stage]["status"].get<std::string>();
  }
};

TEST_F(Run, WritesTheRunDirectoryContract) {
  auto r = run(write_flow(chain_flow()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json rep = report();
  EXPECT_EQ(rep["flow"], "chain");
  EXPECT_EQ(rep["status"], "ok");
  EXPECT_TRUE(rep["seconds"].is_number());
  EXPECT_FALSE(rep["run_id"].get<std::string>().empty());
  json up = rep["stages"]["up"];
  EXPECT_EQ(up["kind"], "demo.transform");
  EXPECT_EQ(up["status"], "ok");
  EXPECT_EQ(up["log"], "up/log.txt");
  EXPECT_EQ(up["outputs"]["text"], "up/out/text.txt");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "HELLO 1\nHELLO 2\nHELLO 3\n");
  json m = read_json(dir_ / "run/up/manifest.json");
  EXPECT_EQ(m["kind"], "demo.transform");
  EXPECT_EQ(m["status"], "ok");
  EXPECT_EQ(m["params"]["mode"], "upper");
  EXPECT_EQ(m["inputs"]["text"][0]["source"], "src");
  EXPECT_EQ(m["inputs"]["text"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(m["outputs"]["text"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_NE(read_text(dir_ / "run/up/log.txt").find("demo.transform"), std::string::npos);
  // The summary table names every stage.
  EXPECT_NE(r.output.find("tail"), std::string::npos);
  EXPECT_NE(r.output.find("flow ok"), std::string::npos);
}

TEST_F(Run, UnchangedRerunIsFullyCached) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow).exit_code, 0);
  auto r = run(flow);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"src", "up", "tail", "other"}) EXPECT_EQ(status(s), "cached") << s;
}

TEST_F(Run, ChangedParamRerunsOnlyThatStageAndDependents) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow).exit_code, 0);
  auto r = run(flow, {"--set", "up.mode=lower"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(status("src"), "cached");
  EXPECT_EQ(status("up"), "ok");
  EXPECT_EQ(status("tail"), "ok");
  EXPECT_EQ(status("other"), "cached");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "hello 1\nhello 2\nhello 3\n");
}

TEST_F(Run, OutputEqualAfterChangeKeepsDownstreamCached) {
  // "none" and an empty prefix leave the text as it is: tail's input hash
  // is unchanged, so tail itself is a cache hit.
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow, {"--set", "up.mode=none"}).exit_code, 0);
  ASSERT_EQ(run(flow, {"--set", "up.mode=none", "--set", "up.prefix="}).exit_code, 0);
  EXPECT_EQ(status("tail"), "cached");
}

TEST_F(Run, ChangedInputFileInvalidates) {
  write_text(dir_ / "in.txt", "one\n");
  const std::string flow = write_flow(
      "name: file\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  up:\n    uses: demo.transform\n    inputs: {text: in.txt}\n");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "ONE\n");
  write_text(dir_ / "in.txt", "two\n");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_EQ(status("up"), "ok");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "TWO\n");
}

TEST_F(Run, CacheFolderRestoresIntoAFreshRunDirectory) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow).exit_code, 0);
  fs::remove_all(dir_ / "run");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_EQ(status("tail"), "cached");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "HELLO 1\nHELLO 2\nHELLO 3\n");
}

TEST_F(Run, TamperedOutputIsNotTrusted) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow).exit_code, 0);
  write_text(dir_ / "run/up/out/text.txt", "tampered\n");
  fs::remove_all(dir_ / "cache");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_EQ(status("up"), "ok");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"), "HELLO 1\nHELLO 2\nHELLO 3\n");
}

TEST_F(Run, NoCacheRunsEverything) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow).exit_code, 0);
  ASSERT_EQ(run(flow, {"--no-cache"}).exit_code, 0);
  for (const char* s : {"src", "up", "tail", "other"}) EXPECT_EQ(status(s), "ok") << s;
}

TEST_F(Run, FailedStageSkipsDependentsAndLeavesNoOutputs) {
  const std::string flow = write_flow(chain_flow(
      "  broken:\n    uses: demo.fail\n    with: {message: the detector is unplugged}\n"
      "    inputs: {any: [src.text]}\n"
      "  after_broken:\n    uses: demo.transform\n    inputs: {text: broken.text}\n"));
  auto r = run(flow);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(report()["status"], "failed");
  EXPECT_EQ(status("broken"), "failed");
  EXPECT_EQ(status("after_broken"), "skipped");
  for (const char* s : {"src", "up", "tail", "other"}) EXPECT_EQ(status(s), "ok") << s;
  EXPECT_EQ(report()["stages"]["broken"]["error"], "the detector is unplugged");
  EXPECT_NE(r.output.find("the detector is unplugged"), std::string::npos);
  EXPECT_NE(r.output.find("broken/log.txt"), std::string::npos);
  // The half-written output was never renamed into place.
  EXPECT_FALSE(fs::exists(dir_ / "run/broken/out"));
  EXPECT_EQ(read_json(dir_ / "run/broken/manifest.json")["status"], "failed");
  EXPECT_NE(read_text(dir_ / "run/broken/log.txt").find("about to fail"), std::string::npos);
  // A failed stage is never a cache hit: it runs (and fails) again.
  run(flow);
  EXPECT_EQ(status("broken"), "failed");
}

TEST_F(Run, FixedStageAfterFailureReplacesNothingStale) {
  const std::string flow = write_flow(
      "name: f\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  s:\n    uses: demo.fail\n    with: {fail: false}\n");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_TRUE(fs::exists(dir_ / "run/s/out/text.txt"));
  // The same stage failing later removes the earlier outputs.
  EXPECT_EQ(run(flow, {"--set", "s.fail=true"}).exit_code, 1);
  EXPECT_FALSE(fs::exists(dir_ / "run/s/out"));
}

TEST_F(Run, SegfaultUnderIsolateFailsOnlyThatStage) {
  const std::string flow = write_flow(chain_flow(
      "  crash:\n    uses: crash.segv\n"
      "  after_crash:\n    uses: demo.transform\n    inputs: {text: crash.text}\n"));
  auto r = run(flow, {"--isolate"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(status("crash"), "failed");
  EXPECT_NE(report()["stages"]["crash"]["error"].get<std::string>().find("signal 11"),
            std::string::npos);
  EXPECT_EQ(status("after_crash"), "skipped");
  for (const char* s : {"src", "up", "tail", "other"}) EXPECT_EQ(status(s), "ok") << s;
  EXPECT_FALSE(fs::exists(dir_ / "run/crash/out"));
  EXPECT_EQ(read_json(dir_ / "run/crash/manifest.json")["status"], "failed");
}

TEST_F(Run, AbortUnderIsolateFailsOnlyThatStage) {
  const std::string flow = write_flow(chain_flow("  crash:\n    uses: crash.abort\n"));
  auto r = run(flow, {"--isolate"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(report()["stages"]["crash"]["error"].get<std::string>().find("signal 6"),
            std::string::npos);
  EXPECT_EQ(status("other"), "ok");
}

TEST_F(Run, IsolatedRunMatchesLocalRunAndSharesTheCache) {
  const std::string flow = write_flow(chain_flow());
  ASSERT_EQ(run(flow, {"--isolate"}).exit_code, 0);
  EXPECT_EQ(read_text(dir_ / "run/tail/out/text.txt"), "1 OLLEH\n2 OLLEH\n3 OLLEH\n");
  ASSERT_EQ(run(flow).exit_code, 0);
  EXPECT_EQ(status("tail"), "cached");
}

TEST_F(Run, InvalidFlowExitsWith2AndRunsNothing) {
  const std::string flow = write_flow(chain_flow("  bad:\n    uses: demo.sourse\n"));
  auto r = run(flow);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("demo.source"), std::string::npos);  // did you mean
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

TEST_F(Run, ToolTimeoutFailsTheStage) {
  const std::string flow = write_flow(
      "name: t\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  slow:\n    uses: demo.tool\n    with: {program: sleep, args: ['20'], timeout: 1}\n");
  auto r = run(flow);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(report()["stages"]["slow"]["error"].get<std::string>().find("timed out"),
            std::string::npos);
  EXPECT_NE(read_text(dir_ / "run/slow/log.txt").find("timed out"), std::string::npos);
}

TEST_F(Run, MissingToolNamesTheDebianPackage) {
  const std::string flow = write_flow(
      "name: t\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  t:\n    uses: demo.tool\n    with: {program: flowrun-absent-tool, package: flowrun-absent}\n");
  auto r = run(flow);
  EXPECT_EQ(r.exit_code, 1);
  const std::string err = report()["stages"]["t"]["error"];
  EXPECT_NE(err.find("apt-get install flowrun-absent"), std::string::npos) << err;
  EXPECT_NE(err.find("tools.flowrun-absent-tool"), std::string::npos) << err;
}

TEST_F(Run, SiteConfigMapsToolsAndIsFoundThroughTheEnvironmentOrder) {
  write_text(dir_ / "site.yaml", "tools:\n  flowrun-absent-tool: /bin/echo\n");
  const std::string flow = write_flow(
      "name: t\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  t:\n    uses: demo.tool\n    with: {program: flowrun-absent-tool, args: [mapped]}\n");
  auto r = run(flow, {"--site", (dir_ / "site.yaml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(dir_ / "run/t/out/stdout.txt"), "mapped\n");
}

TEST_F(Run, BadSiteConfigIsReportedWithItsPlace) {
  write_text(dir_ / "site.yaml", "tools: [not, a, map]\n");
  auto r = run(write_flow(chain_flow()), {"--site", (dir_ / "site.yaml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("site.yaml:1:8: error: tools: expected a map"), std::string::npos)
      << r.output;
}

TEST_F(Run, SweepFansOutAndGathers) {
  const std::string flow = write_flow(
      "name: sweep\nplugins: [" + plugin("demo") + "]\nstages:\n"
      "  src:\n    uses: demo.source\n    matrix: {lines: [1, 2, 3]}\n"
      "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n"
      "  all:\n    uses: demo.concat\n    inputs: {parts: up.text}\n");
  auto r = run(flow);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json st = report()["stages"];
  EXPECT_EQ(st["up[lines=2]"]["status"], "ok");
  EXPECT_EQ(st["all"]["metrics"]["parts"], 3);
  EXPECT_EQ(read_text(dir_ / "run/up.lines=3/out/text.txt"), "HELLO 1\nHELLO 2\nHELLO 3\n");
}

}  // namespace

namespace {

// Starts `flowrun run` on a 60-second stage from a shell, waits until the
// stage has started, then runs `signals` (shell commands; $p is flowrun's pid)
// and reports how flowrun ended.
ToolResult interrupt_run(const fs::path& dir, const std::string& flow, const std::string& signals) {
  const std::string script =
      "\"$0\" run \"$1\" --run-dir \"$2\" --no-cache & p=$!\n"
      "n=0; while [ ! -e \"$2/nap/log.txt\" ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done\n"
      "sleep 0.2\n" + signals + "\nwait $p\n";
  ToolCall call{.program = "sh",
                .args = {"-c", script, FLOWRUN_BIN, flow, (dir / "run").string()},
                .cwd = dir,
                .timeout = std::chrono::seconds(60)};
  return run_program(resolve_program("sh", {}), call, nullptr);
}

std::string sleep_flow(bool ignore_cancel = false) {
  return "name: c\nplugins: [" + plugin("demo") + "]\nstages:\n"
         "  nap:\n    uses: demo.sleep\n    with: {seconds: 60, ignore_cancel: " +
         (ignore_cancel ? "true" : "false") + "}\n"
         "  next:\n    uses: demo.transform\n    inputs: {text: nap.text}\n";
}

// Two SIGINTs back to back, as a signal sent to the whole process group
// (coreutils `timeout`, `kill -INT -PGID`) can arrive: one interrupt.
TEST_F(Run, InterruptCancelsRunningStagesAndSkipsTheRest) {
  ToolResult r = interrupt_run(dir_, write_flow(sleep_flow()), "kill -INT $p; kill -INT $p");
  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r.output;  // an interrupted run exits 130
  EXPECT_LT(r.seconds, 30.0);
  EXPECT_EQ(status("nap"), "failed");
  EXPECT_EQ(status("next"), "skipped");
  EXPECT_FALSE(fs::exists(dir_ / "run/nap/out"));
}

TEST_F(Run, SecondInterruptEndsFlowrunAtOnce) {
  ToolResult r = interrupt_run(dir_, write_flow(sleep_flow(/*ignore_cancel=*/true)),
                               "kill -INT $p; sleep 1; kill -INT $p");
  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r.output;
  EXPECT_LT(r.seconds, 30.0);
}

}  // namespace
