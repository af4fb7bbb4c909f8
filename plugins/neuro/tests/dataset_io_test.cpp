#include <flowrun_neuro/dataset.hpp>

#include <flowrun/stage.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

using namespace flowrun::neuro;
using flowrun::StageError;
using flowrun::neuro::test::temp_dir;
using flowrun::neuro::test::write_file;

namespace {

const char* kGood =
    "split,sequence,frame,roi_0,roi_1,label\n"
    "train,0,0,0.5,-1,0\n"
    "train,0,1,1.5,2e-3,1\n"
    "train,3,0,7,8,1\n"
    "eval,1,0,0.25,0.75,0\n"
    "eval,1,1,1,2,1\n"
    "eval,1,2,3,4,1\n";

// The error message of reading `text` as a dataset ("" if it reads fine).
std::string error_of(const std::string& text) {
  auto p = write_file(temp_dir(), "dataset.csv", text);
  try {
    read_dataset(p);
  } catch (const StageError& e) {
    std::string m = e.what();
    return m.substr(m.find("dataset.csv"));
  }
  return "";
}

}  // namespace

TEST(DatasetIo, ReadsSplitsSequencesAndLabels) {
  auto d = read_dataset(write_file(temp_dir(), "dataset.csv", kGood));
  EXPECT_EQ(d.rois, 2);
  ASSERT_EQ(d.train.size(), 2u);
  ASSERT_EQ(d.eval.size(), 1u);
  EXPECT_EQ(d.train[1].id, 3);
  EXPECT_EQ(d.train[0].length(), 2);
  EXPECT_DOUBLE_EQ(d.train[0].frames(1, 1), 2e-3);
  EXPECT_EQ(d.train[0].labels, (std::vector<int>{0, 1}));
  EXPECT_EQ(d.eval[0].length(), 3);
  EXPECT_EQ(d.train_frames(), 3);
  EXPECT_EQ(d.eval_frames(), 3);
}

TEST(DatasetIo, WriteThenReadRoundTripsDoublesExactly) {
  auto dir = temp_dir();
  Dataset d;
  d.rois = 3;
  for (int k = 0; k < 2; ++k) {
    Sequence s;
    s.id = k;
    s.frames.resize(4, 3);
    for (int t = 0; t < 4; ++t)
      for (int r = 0; r < 3; ++r) s.frames(t, r) = 0.1234567 * (t + 1) / 3.0 - 0.37 * r + k + 1e-300 * t;
    s.labels = {0, 1, 1, 0};
    (k == 0 ? d.train : d.eval).push_back(s);
  }
  write_dataset(d, dir / "d.csv");
  auto back = read_dataset(dir / "d.csv");
  ASSERT_EQ(back.rois, 3);
  EXPECT_EQ(back.train[0].frames, d.train[0].frames);
  EXPECT_EQ(back.eval[0].frames, d.eval[0].frames);
  EXPECT_EQ(back.eval[0].labels, d.eval[0].labels);
}

TEST(DatasetIo, RejectsBadInputWithFileLineColumn) {
  std::string head = "split,sequence,frame,roi_0,roi_1,label\n";
  EXPECT_EQ(error_of(""), "dataset.csv: empty file, expected a header row 'split,sequence,frame,roi_0,...,roi_7,label'");
  EXPECT_EQ(error_of(head + "train,0,0,abc,1,0\neval,1,0,1,1,0\n"),
            "dataset.csv:2:11: expected a number, got 'abc'");
  EXPECT_EQ(error_of(head + "train,0,0,1,1\n"),
            "dataset.csv:2:13: ragged row: expected 6 cells as in the header, got 5");
  EXPECT_EQ(error_of(head + "train,0,0,nan,1,0\n"), "dataset.csv:2:11: expected a finite number, got 'nan'");
  EXPECT_EQ(error_of(head + "train,0,0,1,inf,0\n"), "dataset.csv:2:13: expected a finite number, got 'inf'");
  EXPECT_EQ(error_of(head + "train,0,0,1,1,2\n"), "dataset.csv:2:15: expected a label 0 or 1, got '2'");
  EXPECT_EQ(error_of(head + "train,0,0,1,1,0\ntrain,0,2,1,1,0\n"),
            "dataset.csv:3:9: expected frame 1 of sequence 0, got '2'");
  EXPECT_EQ(error_of(head + "eval,0,0,1,1,0\ntrain,1,0,1,1,0\n"),
            "dataset.csv:3:1: a 'train' row after 'eval' rows: every train row must come first");
  EXPECT_EQ(error_of(head + "train,0,0,1,1,0\ntrain,1,0,1,1,0\ntrain,0,1,1,1,0\n"),
            "dataset.csv:4:7: sequence 0 appears again: a sequence's rows must be contiguous and ids unique");
  EXPECT_EQ(error_of(head + "train,0,0,1,1,0\n"), "dataset.csv: no 'eval' rows; a dataset needs train and eval rows");
  EXPECT_EQ(error_of("split,sequence,frame,roi_0,roi_2,label\n"),
            "dataset.csv:1:28: bad dataset header: expected 'roi_1', got 'roi_2'");
  EXPECT_EQ(error_of("split,sequence,frame,roi_0,roi_1,state\n"),
            "dataset.csv:1:34: bad dataset header: expected last column 'label', got 'state'");
  EXPECT_EQ(error_of(kGood), "");
}

TEST(DatasetIo, HistoryFeaturesZeroFillBeforeSequenceStart) {
  Sequence s;
  s.frames.resize(3, 2);
  s.frames << 1, 2, 3, 4, 5, 6;
  s.labels = {0, 1, 0};
  auto x = history_features(s, 3);
  ASSERT_EQ(x.rows(), 3);
  ASSERT_EQ(x.cols(), 6);
  Eigen::MatrixXd want(3, 6);
  // columns: h=0 (r0,r1), h=1 (r0,r1), h=2 (r0,r1)
  want << 1, 2, 0, 0, 0, 0,
          3, 4, 1, 2, 0, 0,
          5, 6, 3, 4, 1, 2;
  EXPECT_EQ(x, want);
  // A history longer than the sequence is still well defined.
  EXPECT_EQ(history_features(s, 5).rightCols(4), Eigen::MatrixXd::Zero(3, 4));
  EXPECT_THROW(history_features(s, 0), StageError);
}

TEST(DatasetIo, StackSamplesResetsHistoryAtEachSequence) {
  Sequence a, b;
  a.frames = Eigen::MatrixXd::Constant(2, 1, 1.0);
  a.labels = {1, 1};
  b.frames = Eigen::MatrixXd::Constant(2, 1, 2.0);
  b.labels = {0, 1};
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  stack_samples({a, b}, 2, x, y);
  Eigen::MatrixXd want(4, 2);
  want << 1, 0, 1, 1, 2, 0, 2, 2;
  EXPECT_EQ(x, want);
  EXPECT_EQ(y, Eigen::Vector4d(1, 1, 0, 1));
}
