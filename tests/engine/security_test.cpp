// The engine's claims in docs/security.md, each held by a test: names and
// values from a flow never place a file outside the run directory, and
// tools are started from an argv vector, never through a shell, so a tool
// path with spaces works and shell syntax in a value stays text.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <set>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class Security : public TempDirTest {
 protected:
  // The flow in a folder of its own, two levels down, so that a `../` in a
  // name would land in dir_ or dir_/work, where the test looks.
  std::string write_flow(const std::string& body) {
    const fs::path f = dir_ / "work" / "flows" / "flow.yaml";
    write_text(f, "plugins: [" + plugin("demo") + "]\n" + body);
    return f.string();
  }

  // Every path under dir_ (relative), to compare before and after a run.
  std::set<std::string> tree() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      out.insert(fs::relative(e.path(), dir_).generic_string());
    return out;
  }

  // What appeared under dir_ outside the run and cache folders.
  std::vector<std::string> new_outside_run(const std::set<std::string>& before) const {
    std::vector<std::string> out;
    for (const auto& p : tree())
      if (!before.count(p) && p.rfind("run", 0) != 0 && p.rfind("cache", 0) != 0) out.push_back(p);
    return out;
  }
};

TEST_F(Security, StageNamesThatAreNotPlainNamesAreFlowErrorsBeforeAnythingRuns) {
  for (const std::string name : {"../escape", "..", "/tmp/flowrun-abs", "a/b", "x/../../up", "\".hidden\""}) {
    SCOPED_TRACE(name);
    const std::string flow =
        write_flow("stages:\n  " + name + ":\n    uses: demo.source\n    with: {text: hi, lines: 1}\n");
    const auto before = tree();
    auto v = run_flowrun({"validate", flow}, dir_);
    EXPECT_EQ(v.exit_code, 2) << v.output;
    // FILE:LINE:COL of the name, and what a stage name may hold.
    EXPECT_NE(v.output.find("flow.yaml:3:3: error: stage name"), std::string::npos) << v.output;
    EXPECT_NE(v.output.find("must start with a letter or '_'"), std::string::npos) << v.output;
    auto r = run(flow);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "run" / "report.json"));  // nothing ran
    EXPECT_EQ(new_outside_run(before), std::vector<std::string>{});
  }
  EXPECT_FALSE(fs::exists("/tmp/flowrun-abs"));
}

TEST_F(Security, SweptValuesThatLookLikePathsBecomeFoldersInsideTheRunDirectory) {
  // A sweep instance's folder is made from its param values: `../`, `/`
  // and `..` must not make it anything but one folder in the run directory.
  const std::string flow = write_flow(
      "stages:\n  src:\n    uses: demo.source\n    with: {lines: 1}\n"
      "    matrix: {text: ['../../escape', '/tmp/flowrun-abs-sweep', '..', '.']}\n");
  const auto before = tree();
  auto r = run(flow);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(new_outside_run(before), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/tmp/flowrun-abs-sweep"));
  // Four instance folders, each a direct child of the run directory, each
  // holding the value it was given as data.
  std::set<std::string> texts;
  int folders = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "run")) {
    if (!fs::exists(e.path() / "out" / "text.txt")) continue;
    ++folders;
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.find('/'), std::string::npos);
    EXPECT_NE(name, "..");
    EXPECT_NE(name, ".");
    texts.insert(read_text(e.path() / "out" / "text.txt"));
  }
  EXPECT_EQ(folders, 4);
  EXPECT_EQ(texts, (std::set<std::string>{"../../escape 1\n", "/tmp/flowrun-abs-sweep 1\n", ".. 1\n", ". 1\n"}));
}

TEST_F(Security, ParamValuesAndSetOverridesAreDataNotPaths) {
  // A string param holding `../` or an absolute path is handed to the
  // stage as text; outputs are placed by the stage spec, never by a value.
  const std::string flow = write_flow(
      "stages:\n  src:\n    uses: demo.source\n    with: {text: '../../../outside', lines: 2}\n");
  const auto before = tree();
  auto r = run(flow, {"--set", "src.text=/tmp/flowrun-set-abs/../x"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(new_outside_run(before), std::vector<std::string>{});
  EXPECT_EQ(read_text(dir_ / "run" / "src" / "out" / "text.txt"),
            "/tmp/flowrun-set-abs/../x 1\n/tmp/flowrun-set-abs/../x 2\n");
  EXPECT_FALSE(fs::exists("/tmp/flowrun-set-abs"));
}

TEST_F(Security, FlowNameWithSlashesStaysOneFolderOfTheDefaultRunRoot) {
  // Without --run-dir the run directory is runs/<flow name>: a name with
  // `../` must still be one folder under runs/.
  const std::string flow = write_flow(
      "name: ../../escaped\nstages:\n  src:\n    uses: demo.source\n    with: {text: hi, lines: 1}\n");
  const auto before = tree();
  auto r = run_flowrun({"run", flow, "--cache-dir", (dir_ / "cache").string()}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> created;
  for (const auto& p : tree())
    if (!before.count(p) && p.rfind("cache", 0) != 0 && p.find('/') == std::string::npos) created.push_back(p);
  EXPECT_EQ(created, std::vector<std::string>{"runs"});
  ASSERT_TRUE(fs::exists(dir_ / "runs"));
  int runs = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "runs")) {
    ++runs;
    EXPECT_TRUE(fs::exists(e.path() / "src" / "out" / "text.txt")) << e.path();
  }
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(fs::exists(dir_ / "escaped"));
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "escaped"));
}

TEST_F(Security, ToolPathWithSpacesFromTheSiteConfigRunsWithArgvIntact) {
  // tools.<name> maps a bare program name to a path; a path with spaces and
  // arguments with shell syntax reach the program unchanged, and nothing a
  // shell would do with them happens.
  const fs::path tool_dir = dir_ / "my tools" / "bin dir";
  const fs::path tool = tool_dir / "echo args";
  write_text(tool, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
  ::chmod(tool.c_str(), 0755);
  const fs::path site = dir_ / "site.yaml";
  write_text(site, "tools:\n  echoargs: \"" + tool.string() + "\"\n");
  const std::string flow = write_flow(
      "stages:\n  t:\n    uses: demo.tool\n"
      "    with: {program: echoargs, args: ['two words', '; touch pwned', '$(touch pwned2)', '`id`', '>redirected', '*']}\n");
  auto r = run(flow, {"--site", site.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output << read_text(dir_ / "run" / "t" / "log.txt");
  EXPECT_EQ(read_text(dir_ / "run" / "t" / "out" / "stdout.txt"),
            "[two words]\n[; touch pwned]\n[$(touch pwned2)]\n[`id`]\n[>redirected]\n[*]\n");
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n != "pwned" && n != "pwned2" && n != "redirected") << e.path();
  }
  // The log names the program by its path, spaces and all.
  EXPECT_NE(read_text(dir_ / "run" / "t" / "log.txt").find(tool.string()), std::string::npos);
}

TEST_F(Security, MissingToolPathWithSpacesIsNamedWholeInTheError) {
  const fs::path site = dir_ / "site.yaml";
  write_text(site, "tools:\n  echoargs: \"" + (dir_ / "no such dir" / "echo args").string() + "\"\n");
  const std::string flow = write_flow(
      "stages:\n  t:\n    uses: demo.tool\n    with: {program: echoargs, args: [x]}\n");
  auto r = run(flow, {"--site", site.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const json rep = report();
  const std::string error = rep["stages"]["t"]["error"];
  EXPECT_NE(error.find("tools.echoargs in " + site.string() + " is '" +
                       (dir_ / "no such dir" / "echo args").string() + "', which does not exist"),
            std::string::npos)
      << error;
}

}  // namespace
