// Flows from tests/engine/data/flows run through the real program with the
// demo plugin: what the flow reader resolved is what the stages receive.
#include "cli_helpers.hpp"

namespace flowrun::testing {
namespace {

const std::string kFlows = std::string(FLOWRUN_TEST_DATA_DIR) + "/flows/";

class FlowRun : public TempDirTest {};

TEST_F(FlowRun, ResolvedParamsReachTheStages) {
  const auto r = run(kFlows + "valid_basic.yaml",
                     {"--plugin-path", plugin("demo"), "--set", "typed.count=2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_text(dir_ / "run/src/out/text.txt"), "hi there 1\nhi there 2\nhi there 3\n");
  EXPECT_EQ(read_text(dir_ / "run/up/out/text.txt"),
            "> hi there 1\n> hi there 2\n> hi there 3\na note\n");
  const json params = read_json(dir_ / "run/typed/out/params.json");
  EXPECT_EQ(params["count"], 2);
  EXPECT_EQ(params["ratio"], 1.0);
  EXPECT_EQ(params["data"], kFlows + "notes.txt");
  EXPECT_EQ(params["data_bytes"], 7);
  EXPECT_EQ(params["text_lines"], 4);
  EXPECT_TRUE(fs::exists(dir_ / "run/typed/out/files/2.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "run/typed/out/files/3.txt"));
}

TEST_F(FlowRun, SweepInstancesRunInTheirOwnFoldersAndAreGathered) {
  const auto r = run(kFlows + "sweep_join.yaml", {"--plugin-path", plugin("demo")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json report = this->report();
  ASSERT_TRUE(report["stages"].contains("c[lines=2,mode=upper]")) << report.dump(2);
  EXPECT_EQ(report["stages"]["c[lines=2,mode=upper]"]["status"], "ok");
  // c[lines=2,...] reads b[lines=2,mode=upper] plus a[lines=2] as extra.
  EXPECT_EQ(read_text(dir_ / "run/c.lines=2.mode=upper/out/text.txt"),
            "HELLO 1\nHELLO 2\nhello 1\nhello 2\n");
  const json index = read_json(dir_ / "run/d/out/index.json");
  ASSERT_EQ(index.size(), 6u);
  EXPECT_EQ(index[0]["source"], "a[lines=1]");
  EXPECT_EQ(index[5]["source"], "c[lines=2,mode=lower]");
}

TEST_F(FlowRun, InvalidFlowExitsWithCodeTwoAndEveryError) {
  const auto r = run(kFlows + "errors_types.yaml", {"--plugin-path", plugin("demo")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("errors_types.yaml:6:14: error: param 'count' of stage 't' is 11"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("errors_types.yaml:15:19: error:"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "run/report.json"));
}

}  // namespace
}  // namespace flowrun::testing
