// The command line contract: commands, --json forms, exit codes.
#include "cli_helpers.hpp"

#include <flowrun/version.hpp>

#include <gtest/gtest.h>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class Cli : public TempDirTest {
 protected:
  std::string flow() {
    write_text(dir_ / "flow.yaml",
               "name: cli\nplugins: [" + plugin("demo") + "]\nstages:\n"
               "  src:\n    uses: demo.source\n"
               "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n");
    return (dir_ / "flow.yaml").string();
  }
  CliResult cli(std::vector<std::string> args) { return run_flowrun(args, dir_); }
};

TEST_F(Cli, VersionAndHelp) {
  auto v = cli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.output.find(FLOWRUN_VERSION_STRING), std::string::npos);
  auto h = cli({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.output.find("flowrun describe KIND"), std::string::npos);
}

TEST_F(Cli, BareFlowFileMeansRun) {
  auto r = cli({flow(), "--run-dir", (dir_ / "run").string(), "--no-cache"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "run/report.json"));
}

TEST_F(Cli, DefaultRunDirectoryIsRunsSlashFlowName) {
  auto r = cli({"run", flow(), "--no-cache"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "runs/cli/report.json"));
}

TEST_F(Cli, ValidateChecksWithoutRunning) {
  auto r = cli({"validate", flow()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "runs"));
  auto bad = cli({"validate", flow(), "--set", "src.lines=-4"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("error:"), std::string::npos);
}

TEST_F(Cli, GraphPrintsDot) {
  auto r = cli({"graph", flow()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("digraph"), std::string::npos);
  EXPECT_NE(r.output.find("demo.transform"), std::string::npos);
}

TEST_F(Cli, DescribeTextAndJson) {
  auto t = cli({"describe", "demo.transform", "--plugin-path", plugin("demo")});
  EXPECT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("mode : string"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("upper"), std::string::npos);
  auto j = cli({"describe", "demo.transform", "--json", "--plugin-path", plugin("demo")});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  json spec = json::parse(j.output);
  EXPECT_EQ(spec["kind"], "demo.transform");
  bool found = false;
  for (const auto& p : spec["params"])
    if (p["name"] == "mode") {
      found = true;
      EXPECT_EQ(p["default"], "upper");
      EXPECT_EQ(p["choices"].size(), 4u);
    }
  EXPECT_TRUE(found);
  auto unknown = cli({"describe", "demo.nothing", "--plugin-path", plugin("demo")});
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST_F(Cli, PluginsJsonListsKindsAndFiles) {
  auto r = cli({"plugins", "--json", "--plugin-path", plugin("demo")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json j = json::parse(r.output);
  bool found = false;
  for (const auto& p : j["plugins"])
    if (p["name"] == "demo") {
      found = true;
      EXPECT_NE(p["file"].get<std::string>().find("libflowrun_demo.so"), std::string::npos);
      EXPECT_NE(std::find(p["kinds"].begin(), p["kinds"].end(), "demo.concat"), p["kinds"].end());
    }
  EXPECT_TRUE(found);
}

TEST_F(Cli, PluginPathFromEnvironment) {
  ToolCall call{.program = "env",
                .args = {"FLOWRUN_PLUGIN_PATH=" + std::string(FLOWRUN_TEST_PLUGIN_DIR) + "/libflowrun_demo.so",
                         FLOWRUN_BIN, "describe", "demo.source"},
                .cwd = dir_};
  ToolResult r = run_program("/usr/bin/env", call, nullptr);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(Cli, CommandLineErrorsExitWith2) {
  EXPECT_EQ(cli({}).exit_code, 2);
  EXPECT_EQ(cli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(cli({"run"}).exit_code, 2);
  EXPECT_EQ(cli({"run", flow(), "--no-such-option"}).exit_code, 2);
  EXPECT_EQ(cli({"run", flow(), "-j", "0"}).exit_code, 2);
  EXPECT_EQ(cli({"run", flow(), "--executor", "carrier-pigeon"}).exit_code, 2);
  auto missing = cli({"run", (dir_ / "absent.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("absent.yaml"), std::string::npos);
}

}  // namespace
