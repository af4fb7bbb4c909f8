#include <flowrun_neuro/model.hpp>

#include <flowrun/stage.hpp>

#include "test_files.hpp"

#include <gtest/gtest.h>

using namespace flowrun::neuro;
using flowrun::StageError;
using flowrun::neuro::test::temp_dir;
using flowrun::neuro::test::write_file;

TEST(ModelIo, RoundTripsThroughJsonFile) {
  LogisticModel m;
  m.rois = 2;
  m.history = 2;
  m.weights = Eigen::Vector4d(0.1, -2.5, 1.0 / 3.0, 7e-9);
  m.bias = -0.25;
  m.train_feature_min = Eigen::Vector2d(-0.5, -0.25);
  m.train_feature_max = Eigen::Vector2d(3.0, 4.0);
  m.metrics = {{"eval_accuracy", 0.97}};
  m.source = {{"dataset_sha256", "ab"}, {"l2", 1.0}};
  auto p = temp_dir() / "model.json";
  write_model(m, p);
  auto back = read_model(p);
  EXPECT_EQ(back.rois, 2);
  EXPECT_EQ(back.history, 2);
  EXPECT_EQ(back.weights, m.weights);  // exact: doubles round-trip
  EXPECT_EQ(back.bias, m.bias);
  EXPECT_EQ(back.weight(1, 0), 1.0 / 3.0);
  EXPECT_EQ(back.train_feature_max, m.train_feature_max);
  EXPECT_EQ(back.metrics["eval_accuracy"], 0.97);
}

TEST(ModelIo, RejectsMalformedModels) {
  auto dir = temp_dir();
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    auto p = write_file(dir, "m.json", text);
    try {
      read_model(p);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const StageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("m.json"), std::string::npos) << e.what();
    }
  };
  const std::string ok_tail =
      R"(,"bias":0,"train_feature_min":[0],"train_feature_max":[1]})";
  expect_error("{", "not valid JSON");
  expect_error(R"({"format":"other/1","rois":1,"history":1,"weights":[1])" + ok_tail, "field 'format'");
  expect_error(R"({"format":"flowrun.logistic/1","rois":1,"history":2,"weights":[1])" + ok_tail,
               "'weights' must be an array of 2 numbers");
  expect_error(R"({"format":"flowrun.logistic/1","rois":0,"history":1,"weights":[])" + ok_tail,
               "'rois' must be a positive integer");
  expect_error(R"({"format":"flowrun.logistic/1","rois":1,"history":1,"weights":["x"])" + ok_tail,
               "'weights[0]' must be a number");
  expect_error(R"({"format":"flowrun.logistic/1","rois":1,"history":1,"weights":[1]})", "missing field 'bias'");
}
