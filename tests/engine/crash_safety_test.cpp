// Hard faults during a run: a second flowrun on the same run directory,
// kill -9 in the middle of a stage, and a file system that fills up. A run
// must either finish with results that are exactly those of an undisturbed
// run, or fail clearly without leaving anything that a later run trusts.
#include "cli_helpers.hpp"
#include "run_lock.hpp"

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <map>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class CrashSafety : public TempDirTest {
 protected:
  void TearDown() override {
    for (const auto& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    TempDirTest::TearDown();
  }

  std::string write_flow(const std::string& text) {
    write_text(dir_ / "flow.yaml", text);
    return (dir_ / "flow.yaml").string();
  }

  // A shell script run with $0 = flowrun, $1 = flow, $2 = run dir, $3 = cache.
  ToolResult script(const std::string& body, const fs::path& run_dir, const fs::path& cache) {
    ToolCall call{.program = "sh",
                  .args = {"-c", body, FLOWRUN_BIN, (dir_ / "flow.yaml").string(),
                           run_dir.string(), cache.string()},
                  .cwd = dir_,
                  .timeout = std::chrono::seconds(60)};
    return run_program(resolve_program("sh", {}), call, nullptr);
  }

  // A small tmpfs at dir_/name, or false where mounting is not permitted.
  bool mount_small(const std::string& name, const std::string& size) {
    const fs::path m = dir_ / name;
    fs::create_directories(m);
    const std::string opts = "size=" + size;
    if (::mount("tmpfs", m.c_str(), "tmpfs", 0, opts.c_str()) != 0) return false;
    mounts_.push_back(m);
    return true;
  }

  std::vector<fs::path> mounts_;
};

// Waits in the script until stage `nap` has started.
const char* kWaitForNap =
    "n=0; while [ ! -e \"$2/nap/log.txt\" ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done\n"
    "sleep 0.3\n";

// src -> up -> nap (a long stage) -> tail.
std::string long_flow(double nap_seconds) {
  return "name: long\nplugins: [" + plugin("demo") + "]\nstages:\n"
         "  src:\n    uses: demo.source\n    with: {text: hello, lines: 50}\n"
         "  up:\n    uses: demo.transform\n    with: {mode: upper}\n    inputs: {text: src.text}\n"
         "  nap:\n    uses: demo.sleep\n    with: {seconds: " + std::to_string(nap_seconds) +
         "}\n    inputs: {any: up.text}\n"
         "  tail:\n    uses: demo.transform\n    with: {mode: reverse}\n    inputs: {text: nap.text}\n";
}

// Every file under every stage's out/, relative path -> bytes.
std::map<std::string, std::string> outputs_of(const fs::path& run_dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(run_dir)) {
    const std::string rel = fs::relative(e.path(), run_dir).generic_string();
    if (e.is_regular_file() && rel.find("/out/") != std::string::npos)
      files[rel] = read_text(e.path());
  }
  return files;
}

TEST_F(CrashSafety, SecondRunOnTheSameRunDirectoryIsRefusedAndTheFirstFinishes) {
  write_flow(long_flow(2.0));
  const fs::path run = dir_ / "run", cache = dir_ / "cache";
  ToolResult r = script(
      "\"$0\" run \"$1\" --run-dir \"$2\" --cache-dir \"$3\" -j 2 >first.log 2>&1 & p=$!\n" +
          std::string(kWaitForNap) +
          "\"$0\" run \"$1\" --run-dir \"$2\" --cache-dir \"$3\" -j 2; echo \"second=$? first_pid=$p\"\n"
          "wait $p; echo \"first=$?\"\n",
      run, cache);
  const std::string first_pid = r.output.substr(r.output.find("first_pid=") + 10,
                                                r.output.find('\n', r.output.find("first_pid=")) -
                                                    r.output.find("first_pid=") - 10);
  EXPECT_NE(r.output.find("second=2 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is in use by another flowrun (pid " + first_pid), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(".flowrun.lock"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("first=0"), std::string::npos)
      << r.output << read_text(dir_ / "first.log");
  // The refused run touched nothing: the first one's results are whole.
  const json rep = read_json(run / "report.json");
  for (const char* st : {"src", "up", "nap", "tail"}) EXPECT_EQ(rep["stages"][st]["status"], "ok") << st;
  EXPECT_EQ(read_text(run / "tail/out/text.txt"), "000000.2\n");
  EXPECT_EQ(read_text(run / RunDirLock::kFileName), "");  // released
}

TEST_F(CrashSafety, LockLeftByAnEndedRunIsTakenOver) {
  write_flow(long_flow(0.0));
  write_text(dir_ / "run" / RunDirLock::kFileName,
             R"({"pid": 2147483, "host": "gone", "started": "2026-01-01 00:00:00 UTC", "command": "flowrun run old.yaml"})");
  auto r = run((dir_ / "flow.yaml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("taking over"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pid 2147483 on host gone"), std::string::npos) << r.output;
}

TEST_F(CrashSafety, KillDashNineThenRerunReusesFinishedStagesAndMatchesAnUndisturbedRun) {
  write_flow(long_flow(2.0));
  const fs::path run = dir_ / "run", cache = dir_ / "cache";
  ToolResult killed = script(
      "\"$0\" run \"$1\" --run-dir \"$2\" --cache-dir \"$3\" -j 2 >/dev/null 2>&1 & p=$!\n" +
          std::string(kWaitForNap) + "kill -9 $p; wait $p; echo \"status=$?\"\n",
      run, cache);
  ASSERT_NE(killed.output.find("status=137"), std::string::npos) << killed.output;
  EXPECT_FALSE(fs::exists(run / "nap/manifest.json"));  // never looks finished
  EXPECT_FALSE(fs::exists(run / "nap/out"));

  auto again = run_flowrun({"run", (dir_ / "flow.yaml").string(), "--run-dir", run.string(),
                            "--cache-dir", cache.string(), "-j", "2"},
                           dir_);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("taking over"), std::string::npos) << again.output;
  const json rep = read_json(run / "report.json");
  EXPECT_EQ(rep["stages"]["src"]["status"], "cached");
  EXPECT_EQ(rep["stages"]["up"]["status"], "cached");
  EXPECT_EQ(rep["stages"]["nap"]["status"], "ok");  // the interrupted stage ran again
  EXPECT_EQ(rep["stages"]["tail"]["status"], "ok");
  for (const auto& e : fs::recursive_directory_iterator(run))
    EXPECT_EQ(e.path().filename().string().find(".out.tmp"), std::string::npos) << e.path();

  // An undisturbed run elsewhere, with its own cache, gives the same bytes.
  auto clean = run_flowrun({"run", (dir_ / "flow.yaml").string(), "--run-dir",
                            (dir_ / "clean").string(), "--cache-dir", (dir_ / "cache2").string()},
                           dir_);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  const auto resumed = outputs_of(run), undisturbed = outputs_of(dir_ / "clean");
  EXPECT_EQ(resumed.size(), 4u);
  EXPECT_EQ(resumed, undisturbed);
  // And the same cache keys: nothing downstream would re-run.
  for (const char* st : {"src", "up", "nap", "tail"})
    EXPECT_EQ(read_json(run / st / "manifest.json")["cache_key"],
              read_json(dir_ / "clean" / st / "manifest.json")["cache_key"])
        << st;
}

std::string big_source_flow() {
  // ~2.9 MB of text: more than the 1 MiB file systems below hold.
  return "name: big\nplugins: [" + plugin("demo") + "]\nstages:\n"
         "  src:\n    uses: demo.source\n    with: {text: abcdefghijklmnopqrstuvwxyz, lines: 100000}\n"
         "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n";
}

TEST_F(CrashSafety, FullRunDirectoryFailsTheStageClearlyAndTrustsNothing) {
  if (!mount_small("small", "1m")) GTEST_SKIP() << "mounting a tmpfs is not permitted here (needs root)";
  const std::string flow = write_flow(big_source_flow());
  const fs::path run = dir_ / "small" / "run";
  auto r = run_flowrun({"run", flow, "--run-dir", run.string(), "--cache-dir",
                        (dir_ / "cache").string()},
                       dir_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json m = read_json(run / "src/manifest.json");
  EXPECT_EQ(m["status"], "failed");
  const std::string err = m["error"];
  EXPECT_TRUE(err.find("No space left on device") != std::string::npos ||
              err.find("is full") != std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(run / "src/out"));
  EXPECT_EQ(read_json(run / "report.json")["stages"]["up"]["status"], "skipped");
  for (const auto& e : fs::recursive_directory_iterator(run))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  // Nothing of it reached the cache.
  EXPECT_FALSE(fs::exists(dir_ / "cache") && !fs::is_empty(dir_ / "cache"));
}

TEST_F(CrashSafety, FullCacheLeavesTheRunGreenAndTheCacheWithoutPartialEntries) {
  if (!mount_small("small", "1m")) GTEST_SKIP() << "mounting a tmpfs is not permitted here (needs root)";
  const std::string flow = write_flow(big_source_flow());
  auto r = run_flowrun({"run", flow, "--run-dir", (dir_ / "run").string(), "--cache-dir",
                        (dir_ / "small").string()},
                       dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Neither big result fits; none is half there.
  auto size = run_flowrun({"cache", "size", "--json", "--cache-dir", (dir_ / "small").string()}, dir_);
  ASSERT_EQ(size.exit_code, 0) << size.output;
  const json st = json::parse(size.output);
  EXPECT_EQ(st["entries"], 0);
  EXPECT_EQ(st["temporaries"], 0);
  // A second run in a fresh run directory recomputes rather than reading
  // anything partial.
  auto again = run_flowrun({"run", flow, "--run-dir", (dir_ / "run2").string(), "--cache-dir",
                            (dir_ / "small").string()},
                           dir_);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_json(dir_ / "run2/report.json")["stages"]["src"]["status"], "ok");
  EXPECT_EQ(read_text(dir_ / "run2/up/out/text.txt"), read_text(dir_ / "run/up/out/text.txt"));
}

}  // namespace
