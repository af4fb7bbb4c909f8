// The external-tool runner: argv without a shell, timeouts, missing programs.
#include "tool_runner.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace flowrun;

TEST(ToolRunner, PassesArgumentsWithoutAShell) {
  ToolCall call{.program = "echo", .args = {"a b", "$HOME", ";", "|"}};
  ToolResult r = run_program(resolve_program("echo", {}), call, nullptr);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "a b $HOME ; |\n");
}

TEST(ToolRunner, CapturesStderrAndExitCode) {
  ToolCall call{.program = "sh", .args = {"-c", "echo out; echo err >&2; exit 3"}};
  std::string streamed;
  ToolResult r = run_program(resolve_program("sh", {}), call,
                             [&](std::string_view s) { streamed.append(s); });
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  EXPECT_EQ(streamed, r.output);
}

TEST(ToolRunner, KillsTheProcessGroupOnTimeout) {
  // The child shell starts a grandchild; both must go.
  ToolCall call{.program = "sh", .args = {"-c", "sleep 30 & sleep 30; wait"},
                .timeout = std::chrono::seconds(1)};
  auto start = std::chrono::steady_clock::now();
  ToolResult r = run_program(resolve_program("sh", {}), call, nullptr);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_LT(elapsed, 10.0);  // far below the 30 s the program wanted
}

TEST(ToolRunner, TimeoutHoldsForAProgramThatPrintsAllTheTime) {
  // A progress line every 10 ms: output arriving must not hide the timeout.
  ToolCall call{.program = "sh", .args = {"-c", "while :; do echo progress; sleep 0.01; done"},
                .timeout = std::chrono::seconds(1)};
  auto start = std::chrono::steady_clock::now();
  ToolResult r = run_program(resolve_program("sh", {}), call, [](std::string_view) {});
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(elapsed, 6.0);  // 1 s, then at most 2 s of grace
  EXPECT_NE(r.output.find("progress"), std::string::npos);
}

TEST(ToolRunner, CancelFlagStopsTheProgram) {
  std::atomic<bool> cancel{true};
  ToolCall call{.program = "sleep", .args = {"30"}};
  ToolResult r = run_program(resolve_program("sleep", {}), call, nullptr, &cancel);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
}

TEST(ToolRunner, MissingProgramNamesPackageAndSiteKey) {
  EXPECT_TRUE(resolve_program("flowrun-no-such-tool", {}).empty());
  ToolCall call{.program = "flowrun-no-such-tool", .debian_package = "flowrun-tools"};
  std::string msg = missing_program_message(call);
  EXPECT_NE(msg.find("'flowrun-no-such-tool' was not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install flowrun-tools"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tools.flowrun-no-such-tool"), std::string::npos) << msg;
}

TEST(ToolRunner, SiteToolsMapOverridesPath) {
  EXPECT_EQ(resolve_program("mytool", {{"mytool", "/bin/true"}}), fs::path("/bin/true"));
  EXPECT_TRUE(resolve_program("mytool", {{"mytool", "/nonexistent/mytool"}}).empty());
}
