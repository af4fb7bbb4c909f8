#include "recording_csv.hpp"

#include <flowrun/stage.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

using namespace flowrun::neuro;
using flowrun::StageError;
using flowrun::neuro::test::temp_dir;
using flowrun::neuro::test::write_file;

namespace {

std::string error_of(const std::string& text, const RecordingOptions& opt = {}) {
  auto p = write_file(temp_dir(), "rec.csv", text);
  try {
    read_recording(p, opt);
  } catch (const StageError& e) {
    std::string m = e.what();
    auto at = m.find("rec.csv");
    return at == std::string::npos ? m : m.substr(at);
  }
  return "";
}

// 8 frames, one sequence, columns: time, two ROIs, label.
const char* kOneSequence =
    "time,cell_a,cell_b,label\n"
    "0.00,0.1,1.1,0\n"
    "0.05,0.2,1.2,0\n"
    "0.10,0.3,1.3,1\n"
    "0.15,0.4,1.4,1\n"
    "0.20,0.5,1.5,1\n"
    "0.25,0.6,1.6,0\n"
    "0.30,0.7,1.7,0\n"
    "0.35,0.8,1.8,1\n";

}  // namespace

TEST(RecordingCsv, SplitsTheTailOfTheRecordingIntoEval) {
  RecordingOptions opt;
  opt.ignore_columns = {"time"};
  opt.eval_fraction = 0.25;
  const auto rec = read_recording(write_file(temp_dir(), "rec.csv", kOneSequence), opt);
  EXPECT_EQ(rec.roi_names, (std::vector<std::string>{"cell_a", "cell_b"}));
  ASSERT_EQ(rec.data.train.size(), 1u);
  ASSERT_EQ(rec.data.eval.size(), 1u);
  EXPECT_EQ(rec.data.train[0].length(), 6);
  EXPECT_EQ(rec.data.eval[0].length(), 2);
  EXPECT_EQ(rec.data.train[0].id, 0);
  EXPECT_EQ(rec.data.eval[0].id, 1);
  EXPECT_DOUBLE_EQ(rec.data.eval[0].frames(0, 0), 0.7);
  EXPECT_DOUBLE_EQ(rec.data.eval[0].frames(1, 1), 1.8);
  EXPECT_EQ(rec.data.eval[0].labels, (std::vector<int>{0, 1}));
}

TEST(RecordingCsv, DefaultRoiColumnsAreAllOthersAndMustBeNumeric) {
  // Without ignore_columns the time column is an ROI too (it is numeric).
  const auto rec = read_recording(write_file(temp_dir(), "rec.csv", kOneSequence), {});
  EXPECT_EQ(rec.data.rois, 3);
  EXPECT_EQ(rec.roi_names[0], "time");
}

TEST(RecordingCsv, ExplicitRoiColumnsChooseAndOrder) {
  RecordingOptions opt;
  opt.roi_columns = {"cell_b", "cell_a"};
  opt.eval_fraction = 0.5;
  const auto rec = read_recording(write_file(temp_dir(), "rec.csv", kOneSequence), opt);
  ASSERT_EQ(rec.data.rois, 2);
  EXPECT_DOUBLE_EQ(rec.data.train[0].frames(0, 0), 1.1);
  EXPECT_DOUBLE_EQ(rec.data.train[0].frames(0, 1), 0.1);
  EXPECT_EQ(rec.data.train[0].length(), 4);
}

TEST(RecordingCsv, SequencesSplitEachTailAndKeepUniqueIds) {
  RecordingOptions opt;
  opt.sequence_column = "trial";
  opt.label_column = "running";
  opt.eval_fraction = 0.5;
  const std::string text =
      "trial,roi,running\n"
      "a,1,0\na,2,1\na,3,1\na,4,0\n"
      "b,5,1\nb,6,1\n";
  const auto rec = read_recording(write_file(temp_dir(), "rec.csv", text), opt);
  EXPECT_EQ(rec.sequences, 2);
  ASSERT_EQ(rec.data.train.size(), 2u);
  ASSERT_EQ(rec.data.eval.size(), 2u);
  EXPECT_EQ(rec.data.train[1].id, 1);
  EXPECT_EQ(rec.data.eval[0].id, 2);
  EXPECT_EQ(rec.data.eval[1].id, 3);
  EXPECT_DOUBLE_EQ(rec.data.eval[0].frames(0, 0), 3);
  EXPECT_DOUBLE_EQ(rec.data.eval[1].frames(0, 0), 6);
  EXPECT_NO_THROW(check_dataset(rec.data, "rec"));
}

TEST(RecordingCsv, RejectsBadInputWithFileLineColumn) {
  const std::string head = "a,b,label\n";
  EXPECT_EQ(error_of(""), "rec.csv: empty file, expected a header row naming the ROI columns and 'label'");
  EXPECT_EQ(error_of(head), "rec.csv: no data rows after the header");
  EXPECT_EQ(error_of(head + "1,2,0\n1,x,1\n"), "rec.csv:3:3: expected a number in ROI column 'b', got 'x'");
  EXPECT_EQ(error_of(head + "1,2,0\n1,2\n"), "rec.csv:3:3: ragged row: expected 3 cells as in the header, got 2");
  EXPECT_EQ(error_of(head + "1,2,0,7\n"), "rec.csv:2:7: ragged row: expected 3 cells as in the header, got 4");
  EXPECT_EQ(error_of(head + "1,NaN,0\n"), "rec.csv:2:3: expected a finite number, got 'NaN'");
  EXPECT_EQ(error_of(head + "-inf,1,0\n"), "rec.csv:2:1: expected a finite number, got '-inf'");
  EXPECT_EQ(error_of(head + "1,1e999,0\n"), "rec.csv:2:3: expected a finite number, got '1e999'");
  EXPECT_EQ(error_of(head + "1,2,2\n"), "rec.csv:2:5: expected a label 0 or 1, got '2'");
  EXPECT_EQ(error_of(head + "1,2,0.5\n"), "rec.csv:2:5: expected a label 0 or 1, got '0.5'");
  EXPECT_EQ(error_of(head + "1,2,yes\n"), "rec.csv:2:5: expected a label 0 or 1, got 'yes'");
  EXPECT_EQ(error_of("a,b,state\n1,2,0\n"),
            "rec.csv:1:1: no column 'label' in the header (columns: 'a', 'b', 'state'); set param label_column");
  EXPECT_EQ(error_of("a,a,label\n1,2,0\n"), "rec.csv:1:3: duplicate column name 'a'");
  RecordingOptions seq;
  seq.sequence_column = "s";
  EXPECT_EQ(error_of("s,a,label\nx,1,0\ny,1,0\nx,1,0\n", seq),
            "rec.csv:4:1: sequence 'x' appears again: the rows of a sequence must be contiguous");
  RecordingOptions tiny;
  tiny.eval_fraction = 0.1;
  EXPECT_EQ(error_of(head + "1,2,0\n1,2,1\n", tiny), "rec.csv: eval_fraction 0.100000 leaves no eval frames");
  RecordingOptions missing;
  missing.roi_columns = {"a", "c"};
  EXPECT_EQ(error_of(head + "1,2,0\n", missing),
            "rec.csv:1:1: no column 'c' in the header (columns: 'a', 'b', 'label'); set param roi_columns");
}

TEST(RecordingCsv, ToleratesQuotesCrlfBlankLinesAndByteOrderMark) {
  const std::string text = "\xEF\xBB\xBF\"a\", b ,label\r\n1, 2 ,0\r\n\r\n\"3\",4,1\r\n5,6,1\r\n7,8,0\r\n";
  RecordingOptions opt;
  opt.eval_fraction = 0.5;
  const auto rec = read_recording(write_file(temp_dir(), "rec.csv", text), opt);
  EXPECT_EQ(rec.roi_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(rec.data.train[0].frames(1, 0), 3);
  EXPECT_DOUBLE_EQ(rec.data.eval[0].frames(1, 1), 8);
}
