// plot.sweep's gathering: x from matrix coordinates (own or inherited) or
// params, y from paths into each artifact, one line per other coordinate,
// sorted by x; and a clear message for every input it cannot use.
#include "sweep_points.hpp"

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

#include <functional>

using namespace flowrun;
using namespace flowrun::plot;

namespace {

SweepInput model(const std::string& instance, double eval, double train, json params = json::object()) {
  return {instance, std::move(params), {{"metrics", {{"eval_accuracy", eval}, {"train_accuracy", train}}}},
          "/run/" + instance + "/model.json"};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(InstanceCoordinates, ReadsTheBracketedMatrixValues) {
  using Coords = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(instance_coordinates("quantize[history=4,l2=0.1]"), (Coords{{"history", "4"}, {"l2", "0.1"}}));
  EXPECT_TRUE(instance_coordinates("quantize").empty());
  EXPECT_TRUE(instance_coordinates("odd[history=4").empty());
}

TEST(ValueAt, DottedPathsAndJsonPointers) {
  const json doc = {{"metrics", {{"eval_accuracy", 0.9}}}, {"list", {1, 2}}};
  EXPECT_EQ(value_at(doc, "metrics.eval_accuracy"), 0.9);
  EXPECT_EQ(value_at(doc, "/metrics/eval_accuracy"), 0.9);
  EXPECT_EQ(value_at(doc, "/list/1"), 2);
  EXPECT_TRUE(value_at(doc, "metrics.missing").is_null());
  EXPECT_TRUE(value_at(doc, "").is_null());
  EXPECT_TRUE(value_at(doc, "/list/x").is_null());
}

TEST(GatherSweep, SortsByXFromInheritedMatrixValues) {
  // Instances in flow order, not x order; x inherited from a swept trainer.
  const SweepTable t = gather_sweep({model("quantize[history=8]", 0.95, 0.97), model("quantize[history=1]", 0.80, 0.82),
                                     model("quantize[history=2]", 0.90, 0.91)},
                                    "history", {"metrics.eval_accuracy", "metrics.train_accuracy"}, {"eval", "train"});
  ASSERT_EQ(t.series.size(), 2u);
  EXPECT_EQ(t.series[0].y, "eval");
  EXPECT_EQ(t.series[0].group, "");
  EXPECT_EQ(t.series[0].x, (std::vector<double>{1, 2, 8}));
  EXPECT_EQ(t.series[0].values, (std::vector<double>{0.80, 0.90, 0.95}));
  EXPECT_EQ(t.series[1].values, (std::vector<double>{0.82, 0.91, 0.97}));
  EXPECT_EQ(sweep_csv(t), "history,eval,train\n1,0.8,0.82\n2,0.9,0.91\n8,0.95,0.97\n");
}

TEST(GatherSweep, XFromParamsWhenTheInstanceNameHasNone) {
  const SweepTable t = gather_sweep({model("train_a", 0.7, 0.7, {{"history", 3}}), model("train_b", 0.6, 0.6, {{"history", 1}})},
                                    "history", {"metrics.eval_accuracy"}, {});
  ASSERT_EQ(t.series.size(), 1u);
  EXPECT_EQ(t.series[0].y, "metrics.eval_accuracy");
  EXPECT_EQ(t.series[0].x, (std::vector<double>{1, 3}));
}

TEST(GatherSweep, OneLinePerOtherMatrixCoordinate) {
  const SweepTable t = gather_sweep({model("t[history=1,l2=0.1]", 0.1, 0), model("t[history=2,l2=0.1]", 0.2, 0),
                                     model("t[history=1,l2=1]", 0.3, 0), model("t[history=2,l2=1]", 0.4, 0)},
                                    "history", {"metrics.eval_accuracy"}, {"eval"});
  ASSERT_EQ(t.series.size(), 2u);
  EXPECT_EQ(t.series[0].group, "l2=0.1");
  EXPECT_EQ(t.series[0].values, (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(t.series[1].group, "l2=1");
  EXPECT_EQ(t.series[1].values, (std::vector<double>{0.3, 0.4}));
  EXPECT_EQ(sweep_csv(t), "history,l2,eval\n1,0.1,0.1\n2,0.1,0.2\n1,1,0.3\n2,1,0.4\n");
}

TEST(GatherSweep, ClearMessagesForWhatItCannotUse) {
  const auto gather = [](std::vector<SweepInput> in, std::string x, std::vector<std::string> y,
                         std::vector<std::string> names = {}) { return [=] { gather_sweep(in, x, y, names); }; };
  EXPECT_EQ(message_of(gather({}, "history", {"a"})),
            "input results: nothing connected (expected the instances of a sweep)");
  EXPECT_EQ(message_of(gather({model("q[history=1]", 1, 1)}, "hist", {"metrics.eval_accuracy"})),
            "/run/q[history=1]/model.json: instance 'q[history=1]' has no matrix value or param 'hist' "
            "(param x names the swept param)");
  EXPECT_EQ(message_of(gather({model("q[history=1]", 1, 1)}, "history", {"metrics.accuracy"})),
            "/run/q[history=1]/model.json: expected a number at 'metrics.accuracy' (there is none)");
  EXPECT_EQ(message_of(gather({model("q[history=1]", 1, 1)}, "history", {"metrics"})).find(
                "/run/q[history=1]/model.json: expected a number at 'metrics', found {"),
            0u);
  EXPECT_EQ(message_of(gather({model("q[history=big]", 1, 1)}, "history", {"metrics.eval_accuracy"})),
            "/run/q[history=big]/model.json: instance q[history=big]: history=big is not a number");
  EXPECT_EQ(message_of(gather({model("a", 1, 1, {{"history", 2}}), model("b", 1, 1, {{"history", 2}})}, "history",
                              {"metrics.eval_accuracy"})),
            "/run/b/model.json: instance b repeats history=2 (two inputs at one point)");
  EXPECT_EQ(message_of(gather({model("q[history=1]", 1, 1)}, "history", {"metrics.eval_accuracy"}, {"a", "b"})),
            "param y_names: 2 names for 1 values in y");
}
