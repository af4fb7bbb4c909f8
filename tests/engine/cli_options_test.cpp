// The command line a person expects: options before or after the command,
// help for every command and option, bash completion made by flowrun.
#include "cli_helpers.hpp"

#include "commands.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class CliOptions : public TempDirTest {
 protected:
  std::string flow() {
    write_text(dir_ / "flow.yaml",
               "name: opts\nplugins: [" + plugin("demo") + "]\nstages:\n"
               "  src:\n    uses: demo.source\n"
               "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n");
    return (dir_ / "flow.yaml").string();
  }
  CliResult cli(std::vector<std::string> args) { return run_flowrun(args, dir_); }
  // COMPREPLY of the generated bash completion for a command line being typed.
  std::string complete(const std::string& words) {
    write_text(dir_ / "complete.sh",
               "source <(\"$FLOWRUN\" completion bash)\n"
               "COMP_WORDS=(\"$FLOWRUN\" " + words + ")\n"
               "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
               "_flowrun\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n");
    ToolCall call{.program = "env",
                  .args = {std::string("FLOWRUN=") + FLOWRUN_BIN, "bash", (dir_ / "complete.sh").string()},
                  .cwd = dir_};
    ToolResult r = run_program("/usr/bin/env", call, nullptr);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
};

TEST_F(CliOptions, GlobalOptionsBeforeOrAfterTheCommand) {
  auto before = cli({"--plugin-path", plugin("demo"), "describe", "demo.transform"});
  EXPECT_EQ(before.exit_code, 0) << before.output;
  auto after = cli({"describe", "demo.transform", "--plugin-path", plugin("demo")});
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(before.output, after.output);
  auto json_first = cli({"--json", "--plugin-path=" + plugin("demo"), "describe", "demo.transform"});
  ASSERT_EQ(json_first.exit_code, 0) << json_first.output;
  EXPECT_EQ(json::parse(json_first.output)["kind"], "demo.transform");
  // Run options before the bare flow file, and the later of two values wins.
  auto run = cli({"--no-cache", "-j", "1", "--run-dir", (dir_ / "x").string(), flow(), "--run-dir",
                  (dir_ / "run").string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(fs::exists(dir_ / "run/report.json"));
  EXPECT_FALSE(fs::exists(dir_ / "x"));
}

TEST_F(CliOptions, HelpListsEveryCommandAndOption) {
  auto h = cli({"--help"});
  ASSERT_EQ(h.exit_code, 0);
  for (const auto& c : commands()) {
    if (c.hidden) continue;
    EXPECT_NE(h.output.find("flowrun " + c.name), std::string::npos) << c.name;
    for (const auto& o : c.options)
      EXPECT_NE(h.output.find("--" + o.long_name()), std::string::npos) << o.name;
    auto ch = cli({c.name, "--help"});
    EXPECT_EQ(ch.exit_code, 0) << c.name;
    EXPECT_NE(ch.output.find("usage: flowrun " + c.name), std::string::npos) << ch.output;
    for (const auto& o : c.options)
      EXPECT_NE(ch.output.find("--" + o.long_name()), std::string::npos) << c.name << " " << o.name;
    EXPECT_NE(ch.output.find("--plugin-path"), std::string::npos);
  }
  EXPECT_NE(h.output.find("exit codes"), std::string::npos);
  EXPECT_EQ(cli({"help", "diff"}).output, cli({"diff", "--help"}).output);
}

TEST_F(CliOptions, SharedOptionNamesTakeValuesAlike) {
  // The command is found before its options are known, so an option name
  // must take a value in every command or in none.
  std::map<std::string, bool> takes;
  for (const auto& c : commands())
    for (const auto& o : c.options) {
      auto [it, fresh] = takes.emplace(o.long_name(), o.arg != Arg::Flag);
      EXPECT_EQ(it->second, o.arg != Arg::Flag) << o.name << " in " << c.name;
    }
  for (const auto& o : global_options()) EXPECT_EQ(takes.count(o.long_name()), 0u) << o.name;
}

TEST_F(CliOptions, MistakesExitWith2AndSayWhat) {
  auto typo = cli({"describ", "x"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("did you mean 'describe'"), std::string::npos) << typo.output;
  auto other = cli({"plugins", "--html"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.output.find("--html is an option of diff"), std::string::npos) << other.output;
  auto extra = cli({"describe", "a", "b"});
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_NE(extra.output.find("unexpected argument 'b'"), std::string::npos) << extra.output;
  auto missing = cli({"--plugin-path", plugin("demo")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("missing command"), std::string::npos) << missing.output;
  auto bad_int = cli({"run", flow(), "-j", "many"});
  EXPECT_EQ(bad_int.exit_code, 2);
  EXPECT_NE(bad_int.output.find("many"), std::string::npos) << bad_int.output;
  EXPECT_EQ(cli({"completion", "tcsh"}).exit_code, 2);
}

TEST_F(CliOptions, BashCompletion) {
  flow();
  fs::create_directories(dir_ / "runs/a");
  const std::string commands = complete("d");
  EXPECT_NE(commands.find("describe\n"), std::string::npos) << commands;
  EXPECT_NE(commands.find("diff\n"), std::string::npos) << commands;
  EXPECT_EQ(commands.find("run-stage"), std::string::npos) << commands;
  const std::string options = complete("runs --");
  EXPECT_NE(options.find("--metrics"), std::string::npos) << options;
  EXPECT_NE(options.find("--plugin-path"), std::string::npos) << options;
  EXPECT_EQ(options.find("--no-cache"), std::string::npos) << options;
  // Stage kinds come from the plugins named on the line, wherever they are.
  const std::string kinds = complete("--plugin-path " + plugin("demo") + " describe demo.tr");
  EXPECT_EQ(kinds, "demo.transform\n");
  EXPECT_EQ(complete("run fl"), "flow.yaml\n");
  EXPECT_EQ(complete("fl"), "flow.yaml\n");
  EXPECT_EQ(complete("diff runs/a r"), "runs\n");
  EXPECT_EQ(complete("run flow.yaml --executor is"), "isolate\n");
  const std::string params = complete("run flow.yaml --set up.m");
  EXPECT_EQ(params, "up.mode=\n");
}

}  // namespace
