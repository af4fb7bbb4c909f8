// report.html through the flowrun program: a run writes it beside
// report.json, whose stages carry what the page needs (inputs, output
// types, start and finish times); `flowrun report` draws it again and
// refuses a folder that is not a run.
#include "cli_helpers.hpp"

#include <gtest/gtest.h>

using namespace flowrun;
using namespace flowrun::testing;

TEST_F(TempDirTest, RunWritesReportHtmlAndFlowrunReportRedrawsIt) {
  write_text(dir_ / "flow.yaml",
             "name: chain\nplugins: [" + plugin("demo") + "]\nstages:\n"
             "  src:\n    uses: demo.source\n    with: {text: hello, lines: 3}\n"
             "  up:\n    uses: demo.transform\n    with: {mode: upper}\n    inputs: {text: src.text}\n");
  const auto r = run((dir_ / "flow.yaml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json rep = report();
  const json& up = rep["stages"]["up"];
  EXPECT_EQ(up["inputs"]["text"][0]["stage"], "src");
  EXPECT_EQ(up["inputs"]["text"][0]["port"], "text");
  EXPECT_EQ(up["output_types"]["text"], "text");
  EXPECT_EQ(up["dir"], "up");
  ASSERT_TRUE(up["started_s"].is_number() && up["finished_s"].is_number()) << up.dump();
  EXPECT_LE(rep["stages"]["src"]["finished_s"].get<double>(), up["started_s"].get<double>());
  EXPECT_LE(up["started_s"].get<double>(), up["finished_s"].get<double>());
  const fs::path html = dir_ / "run" / "report.html";
  ASSERT_TRUE(fs::exists(html)) << r.output;
  const std::string first = read_text(html);
  EXPECT_NE(first.find("<svg class=\"flow-graph\""), std::string::npos);

  fs::remove(html);
  const auto again = run_flowrun({"report", (dir_ / "run").string()}, dir_);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_text(html), first);

  const auto bad = run_flowrun({"report", dir_.string()}, dir_);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("report.json: not found"), std::string::npos) << bad.output;
}
