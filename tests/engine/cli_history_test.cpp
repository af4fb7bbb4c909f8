// flowrun runs and flowrun diff on real run directories.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class History : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    write_text(dir_ / "flow.yaml",
               "name: hist\nplugins: [" + plugin("demo") + "]\nstages:\n"
               "  src:\n    uses: demo.source\n"
               "  up:\n    uses: demo.transform\n    inputs: {text: src.text}\n");
  }
  CliResult cli(std::vector<std::string> args) { return run_flowrun(args, dir_); }
  void run_into(const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "flow.yaml", "--run-dir", "runs/" + dir,
                                     "--cache-dir", (dir_ / "cache").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
};

TEST_F(History, RunsListsEveryRunOldestFirst) {
  run_into("a");
  run_into("b", {"--set", "up.mode=lower"});
  // The run ids (start times) decide the order, not the folder names.
  json rep = read_json(dir_ / "runs/a/report.json");
  rep["run_id"] = "20300101-000000-1";
  write_text(dir_ / "runs/a/report.json", rep.dump());
  write_text(dir_ / "runs/broken/report.json", "{\"stages\": 3}");

  auto text = cli({"runs"});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_LT(text.output.find("runs/b"), text.output.find("runs/a")) << text.output;
  EXPECT_NE(text.output.find("2030-01-01 00:00:00"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("2 (1 ok, 1 cached)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("runs/broken/report.json: not a flowrun report"), std::string::npos);

  auto j = cli({"runs", "runs", "--json", "--metrics", "lines,src.bytes,nothing"});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  json out = json::parse(j.output);
  ASSERT_EQ(out["runs"].size(), 2u);
  const json& first = out["runs"][0];
  EXPECT_EQ(first["dir"], "runs/b");
  EXPECT_EQ(first["flow"], "hist");
  EXPECT_EQ(first["status"], "ok");
  EXPECT_EQ(first["stage_status"]["cached"], 1);
  EXPECT_EQ(first["metrics"]["up.lines"], 1);
  EXPECT_EQ(first["metrics"]["src.bytes"], 8);
  EXPECT_TRUE(first["metrics"]["nothing"].is_null());
  EXPECT_EQ(out["errors"].size(), 1u);

  EXPECT_EQ(cli({"runs", "absent"}).exit_code, 2);
  EXPECT_EQ(cli({"runs", "--metrics", "a,,b"}).exit_code, 2);
}

TEST_F(History, DiffSaysWhatChangedAndExitsLikeDiff) {
  run_into("a");
  run_into("same");
  run_into("b", {"--set", "up.mode=lower"});

  auto same = cli({"diff", "runs/a", "runs/same"});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("no differences"), std::string::npos) << same.output;

  auto text = cli({"diff", "runs/a", "runs/b"});
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_NE(text.output.find("param    mode: \"upper\" -> \"lower\""), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("output   text:"), std::string::npos) << text.output;

  auto j = cli({"diff", "runs/a", "runs/b/report.json", "--json"});
  ASSERT_EQ(j.exit_code, 1) << j.output;
  json d = json::parse(j.output);
  EXPECT_TRUE(d["differ"].get<bool>());
  ASSERT_EQ(d["stages"].size(), 1u);
  EXPECT_EQ(d["stages"][0]["stage"], "up");
  EXPECT_EQ(d["stages"][0]["changes"]["params"]["mode"]["b"], "lower");
  EXPECT_EQ(d["unchanged"], json::array({"src"}));

  // A stage in one run only, a changed metric and an upstream input hash.
  json rep = read_json(dir_ / "runs/b/report.json");
  rep["stages"]["extra"] = {{"kind", "demo.source"}, {"status", "ok"}, {"log", "extra/log.txt"}};
  rep["stages"]["src"]["metrics"]["lines"] = 7;
  write_text(dir_ / "runs/b/report.json", rep.dump());
  d = json::parse(cli({"diff", "runs/a", "runs/b", "--json"}).output);
  bool extra = false, lines = false;
  for (const auto& st : d["stages"]) {
    if (st["stage"] == "extra") extra = st["only_in"] == "b";
    if (st["stage"] == "src") lines = st["changes"]["metrics"]["lines"]["delta"] == 6.0;
  }
  EXPECT_TRUE(extra) << d.dump(2);
  EXPECT_TRUE(lines) << d.dump(2);

  auto html = cli({"diff", "runs/a", "runs/b", "--html"});
  EXPECT_EQ(html.exit_code, 1);
  EXPECT_EQ(html.output.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.output.find("&quot;lower&quot;"), std::string::npos);
  EXPECT_EQ(html.output.find("<script"), std::string::npos);

  auto missing = cli({"diff", "runs/a", "runs/none"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("runs/none: no such run directory"), std::string::npos);
  EXPECT_EQ(cli({"diff", "runs/a", "runs/b", "--json", "--html"}).exit_code, 2);
}


// A new run into the same run directory keeps the one it replaces in
// .history: `flowrun runs` lists it, `flowrun diff DIR` compares it with the
// new one; the oldest go beyond 20.
TEST_F(History, RerunKeepsTheReplacedRunForRunsAndDiff) {
  EXPECT_EQ(cli({"diff", "runs/a"}).exit_code, 2);  // no such run yet
  run_into("a");
  auto none = cli({"diff", "runs/a"});
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("runs/a/.history: no earlier run kept"), std::string::npos) << none.output;

  const std::string first_id = read_json(dir_ / "runs/a/report.json")["run_id"];
  run_into("a", {"--set", "up.mode=lower"});
  const fs::path kept = dir_ / "runs/a/.history" / first_id;
  ASSERT_TRUE(fs::exists(kept / "report.json"));
  EXPECT_EQ(read_json(kept / "report.json")["run_id"], first_id);
  EXPECT_EQ(read_json(kept / "up/manifest.json")["params"]["mode"], "upper");  // the replaced run's, not the new one's
  EXPECT_TRUE(fs::exists(kept / "src/manifest.json"));

  auto d = cli({"diff", "runs/a"});
  EXPECT_EQ(d.exit_code, 1) << d.output;
  EXPECT_NE(d.output.find("param    mode: \"upper\" -> \"lower\""), std::string::npos) << d.output;
  EXPECT_EQ(cli({"diff", ("runs/a/.history/" + first_id), "runs/a"}).exit_code, 1);

  for (const std::string root : {"runs", "runs/a"}) {
    auto j = cli({"runs", root, "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.output;
    const json out = json::parse(j.output);
    ASSERT_EQ(out["runs"].size(), 2u) << j.output;
    EXPECT_EQ(out["runs"][0]["dir"], "runs/a/.history/" + first_id) << j.output;
    EXPECT_EQ(out["runs"][1]["dir"], "runs/a") << j.output;
  }

  // The same run again: nothing differs from the last kept run.
  run_into("a", {"--set", "up.mode=lower"});
  EXPECT_EQ(cli({"diff", "runs/a"}).exit_code, 0);

  // At most 20 kept: the oldest go.
  for (int i = 0; i < 25; ++i) {
    const fs::path old = dir_ / "runs/a/.history" / ("19990101-0000" + std::to_string(10 + i) + "-1");
    fs::create_directories(old);
    fs::copy_file(kept / "report.json", old / "report.json");
    fs::last_write_time(old / "report.json", fs::last_write_time(kept / "report.json") - std::chrono::hours(100 - i));
  }
  run_into("a");
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_ / "runs/a/.history")) left.insert(e.path().filename().string());
  EXPECT_EQ(left.size(), 20u);
  EXPECT_FALSE(left.count("19990101-000010-1"));  // the oldest dropped
  EXPECT_TRUE(left.count(first_id) && left.count("19990101-000034-1"));
}

}  // namespace
