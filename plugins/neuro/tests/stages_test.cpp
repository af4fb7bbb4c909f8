// Runs the neuro stages the way the engine does (spec defaults, run(ctx))
// on small inputs, checking their artifacts and metrics.
#include "fake_context.hpp"
#include "test_files.hpp"

#include <flowrun_neuro/dataset.hpp>
#include <flowrun_neuro/model.hpp>

#include <flowrun/plugin.hpp>

#include <gtest/gtest.h>

#include <fstream>

using namespace flowrun;
using namespace flowrun::neuro;
using flowrun::neuro::test::FakeContext;
using flowrun::neuro::test::temp_dir;
using flowrun::neuro::test::write_file;

namespace {

const Stage& stage(const std::string& kind) {
  for (const auto& s : detail::plugin_registry())
    if (s->spec().kind == kind) return *s;
  throw std::runtime_error("stage " + kind + " not registered");
}

// Runs dataset.calcium with overrides; returns the dataset file.
fs::path make_dataset(const fs::path& dir, json params) {
  FakeContext ctx(stage("dataset.calcium").spec(), dir / "data", std::move(params));
  stage("dataset.calcium").run(ctx);
  return ctx.output("dataset");
}

json train(const fs::path& dir, const fs::path& dataset, json params, LogisticModel* model = nullptr) {
  FakeContext ctx(stage("trainer.logistic").spec(), dir, std::move(params));
  ctx.inputs_by_port["dataset"] = dataset;
  stage("trainer.logistic").run(ctx);
  if (model) *model = read_model(ctx.output("model"));
  return ctx.metrics;
}

}  // namespace

TEST(Stages, SpecsDeclareKindsPortsAndRanges) {
  const auto& calcium = stage("dataset.calcium").spec();
  ASSERT_NE(calcium.output("dataset"), nullptr);
  EXPECT_EQ(calcium.output("dataset")->file, "dataset.csv");
  EXPECT_EQ(calcium.output("dataset")->type, "dataset");
  const auto& trainer = stage("trainer.logistic").spec();
  ASSERT_NE(trainer.param("history"), nullptr);
  EXPECT_EQ(trainer.param("history")->default_value, 4);
  ASSERT_TRUE(trainer.param("history")->min.has_value());
  EXPECT_EQ(*trainer.param("history")->min, 1.0);  // history 0 is rejected before running
  EXPECT_EQ(trainer.output("model")->file, "model.json");
  EXPECT_EQ(trainer.input("dataset")->type, "dataset");
  const auto& csv = stage("dataset.csv").spec();
  ASSERT_NE(csv.input("recording"), nullptr);
  EXPECT_EQ(csv.param("label_column")->default_value, "label");
  for (const auto* spec : {&calcium, &trainer, &csv})
    for (const auto& p : spec->params) EXPECT_FALSE(p.doc.empty()) << spec->kind << "." << p.name;
}

TEST(Stages, CalciumThenTrainerWritesAUsableModel) {
  auto dir = temp_dir();
  auto data = make_dataset(dir, {{"frames", 500}, {"train_sequences", 3}, {"eval_sequences", 2}});
  const auto d = read_dataset(data);
  EXPECT_EQ(d.eval_frames(), 1000);
  LogisticModel model;
  const json m = train(dir / "train", data, json::object(), &model);
  EXPECT_EQ(model.rois, 8);
  EXPECT_EQ(model.history, 4);
  EXPECT_EQ(model.weights.size(), 32);
  EXPECT_GE(m["eval_accuracy"].get<double>(), 0.95);
  EXPECT_GE(m["eval_auroc"].get<double>(), 0.98);
  EXPECT_GT(m["iterations"].get<int>(), 1);
  EXPECT_EQ(m["converged"], 1);
  EXPECT_EQ(model.source["dataset_sha256"], flowrun::sha256_path(data));
  // The model applies to raw frames: recomputing eval accuracy from the
  // JSON weights with the documented feature layout gives the metric.
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  stack_samples(d.eval, model.history, x, y);
  Eigen::VectorXd z = (x * model.weights).array() + model.bias;
  int right = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) right += (z[i] >= 0) == (y[i] > 0.5);
  EXPECT_DOUBLE_EQ(static_cast<double>(right) / z.size(), m["eval_accuracy"].get<double>());
  // Feature ranges cover the raw train values.
  for (int r = 0; r < 8; ++r) {
    double lo = 1e300, hi = -1e300;
    for (const auto& s : d.train) {
      lo = std::min(lo, s.frames.col(r).minCoeff());
      hi = std::max(hi, s.frames.col(r).maxCoeff());
    }
    EXPECT_EQ(model.train_feature_min[r], lo);
    EXPECT_EQ(model.train_feature_max[r], hi);
    EXPECT_LT(model.train_feature_min[r], model.train_feature_max[r]);
  }
}

TEST(Stages, HistoryHelpsOverTheCurrentFrameOnDefaultData) {
  // The comparison docs/decoder-flow.md reports: default data set,
  // history 4 against history 1 (current frame only).
  auto dir = temp_dir();
  auto data = make_dataset(dir, json::object());
  const json h4 = train(dir / "h4", data, {{"history", 4}});
  const json h1 = train(dir / "h1", data, {{"history", 1}});
  const double a4 = h4["eval_accuracy"], a1 = h1["eval_accuracy"];
  EXPECT_GE(a4, 0.97);
  EXPECT_LT(a4, 0.995);
  EXPECT_GE(h4["eval_auroc"].get<double>(), 0.99);
  EXPECT_LE(a1, a4 - 0.02);
  std::printf("default data: history 4 eval accuracy %.4f AUROC %.4f; history 1 eval accuracy %.4f AUROC %.4f\n",
              a4, h4["eval_auroc"].get<double>(), a1, h1["eval_auroc"].get<double>());
}

TEST(Stages, TrainerIsDeterministic) {
  auto dir = temp_dir();
  auto data = make_dataset(dir, {{"frames", 300}, {"train_sequences", 2}, {"eval_sequences", 1}});
  train(dir / "a", data, json::object());
  train(dir / "b", data, json::object());
  std::ifstream a(dir / "a" / "model.json"), b(dir / "b" / "model.json");
  std::string ta((std::istreambuf_iterator<char>(a)), {}), tb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(ta.empty());
  EXPECT_EQ(ta, tb);
}

TEST(Stages, CalciumDatasetIsByteIdenticalForASeed) {
  auto dir = temp_dir();
  json p = {{"frames", 200}, {"train_sequences", 1}, {"eval_sequences", 1}};
  auto a = make_dataset(dir / "a", p);
  auto b = make_dataset(dir / "b", p);
  EXPECT_EQ(flowrun::sha256_path(a), flowrun::sha256_path(b));
  p["seed"] = 9;
  auto c = make_dataset(dir / "c", p);
  EXPECT_NE(flowrun::sha256_path(a), flowrun::sha256_path(c));
}

TEST(Stages, CsvRecordingBecomesADatasetTheTrainerReads) {
  auto dir = temp_dir();
  // Re-export a synthetic data set as a "user recording" with a time column.
  auto data = read_dataset(make_dataset(dir, {{"frames", 400}, {"train_sequences", 2}, {"eval_sequences", 1}}));
  std::string text = "t,trial";
  for (int r = 0; r < data.rois; ++r) text += ",cell" + std::to_string(r);
  text += ",label\n";
  for (const auto* split : {&data.train, &data.eval})
    for (const auto& s : *split)
      for (int t = 0; t < s.length(); ++t) {
        text += std::to_string(t * 0.05) + ",trial" + std::to_string(s.id);
        for (int r = 0; r < data.rois; ++r) text += "," + std::to_string(s.frames(t, r));
        text += "," + std::to_string(s.labels[t]) + "\n";
      }
  auto rec = write_file(dir, "recording.csv", text);
  FakeContext ctx(stage("dataset.csv").spec(), dir / "csv",
                  {{"sequence_column", "trial"}, {"ignore_columns", {"t"}}, {"eval_fraction", 0.3}});
  ctx.inputs_by_port["recording"] = rec;
  stage("dataset.csv").run(ctx);
  EXPECT_EQ(ctx.metrics["sequences"], 3);
  EXPECT_EQ(ctx.metrics["rois"], 8);
  EXPECT_EQ(ctx.metrics["eval_frames"], 360);
  const auto back = read_dataset(ctx.output("dataset"));
  EXPECT_EQ(back.train.size(), 3u);
  const json m = train(dir / "train", ctx.output("dataset"), json::object());
  EXPECT_GE(m["eval_accuracy"].get<double>(), 0.9);
}

TEST(Stages, CsvStageReportsBadCellsWithPlace) {
  auto dir = temp_dir();
  auto rec = write_file(dir, "recording.csv", "a,b,label\n1,2,0\n3,oops,1\n");
  FakeContext ctx(stage("dataset.csv").spec(), dir / "csv");
  ctx.inputs_by_port["recording"] = rec;
  try {
    stage("dataset.csv").run(ctx);
    FAIL() << "accepted a non-numeric cell";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("recording.csv:3:3: expected a number in ROI column 'b', got 'oops'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(ctx.output("dataset")));
}

TEST(Stages, TrainerRejectsASingleClassTrainSplit) {
  auto dir = temp_dir();
  auto data = write_file(dir, "d.csv",
                         "split,sequence,frame,roi_0,label\ntrain,0,0,1,1\ntrain,0,1,2,1\neval,1,0,1,0\n");
  EXPECT_THROW(train(dir / "t", data, json::object()), StageError);
}
