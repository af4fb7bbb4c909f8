// trainer.logistic: the float logistic decoder over a history of frames.
#include "classifier_metrics.hpp"
#include "logistic_fit.hpp"
#include "spec_helpers.hpp"

#include <flowrun_neuro/dataset.hpp>
#include <flowrun_neuro/model.hpp>

#include <flowrun/plot.hpp>
#include <flowrun/sdk.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

namespace flowrun::neuro {
namespace {

StageSpec make_spec() {
  const LogisticFitOptions d;
  StageSpec s;
  s.kind = "trainer.logistic";
  // 2: the plots output (training curve).
  s.version = "2";
  s.summary = "L2-regularized logistic decoder over the last `history` frames of every ROI";
  s.doc =
      "Features of frame t are frames t, t-1, ..., t-history+1 of the same sequence (frames before\n"
      "the sequence start are zero, as the hardware shift register is reset), R*history values.\n"
      "Fits logistic regression on the train split by Newton's method (IRLS) with a backtracking\n"
      "line search, minimising mean log-loss + l2/2 |w|^2 over standardized features (bias not\n"
      "penalized) until the Newton decrement^2/2 < tolerance. The standardization is folded into\n"
      "the written weights, so model.json applies to raw frames: class 1 iff bias + w.x >= 0.\n"
      "Deterministic (no random init, no shuffling). Metrics on the eval split: accuracy, AUROC,\n"
      "log-loss.";
  s.inputs.push_back({"dataset", "dataset", "train/eval frames (dataset.calcium or dataset.csv)", ""});
  s.outputs.push_back({"model", "model", "flowrun.logistic/1 JSON model (docs/decoder-flow.md)", "model.json"});
  s.outputs.push_back({"plots", "plot",
                       "training curve for report.html: log-loss and accuracy of train and eval per Newton iteration",
                       "plots/"});
  s.params = {
      int_param("history", 4, 1, 4096, "frames per decision: the current one and history-1 before it"),
      float_param("l2", d.l2, 0, 1e6, "L2 penalty on standardized weights (objective: mean log-loss + l2/2 |w|^2)"),
      float_param("tolerance", d.tolerance, 1e-16, 1, "stop when half the squared Newton decrement is below this"),
      int_param("max_iter", d.max_iter, 1, 10000, "maximum Newton iterations"),
  };
  s.key_metrics = {"train_accuracy", "eval_accuracy", "eval_auroc", "iterations"};
  return s;
}

Eigen::VectorXd logits_of(const Eigen::MatrixXd& x, const LogisticFit& fit) {
  return (x * fit.weights).array() + fit.bias;
}

// The model after every Newton iteration on both splits (docs/report.md).
void write_training_curve(const LogisticFit& fit, const Eigen::MatrixXd& x_train, const Eigen::VectorXd& y_train,
                          const Eigen::MatrixXd& x_eval, const Eigen::VectorXd& y_eval, const fs::path& dir) {
  std::vector<double> it, loss_train, loss_eval, acc_train, acc_eval;
  for (const auto& step : fit.trace) {
    const Eigen::VectorXd zt = (x_train * step.weights).array() + step.bias;
    const Eigen::VectorXd ze = (x_eval * step.weights).array() + step.bias;
    it.push_back(step.iteration);
    loss_train.push_back(logloss(zt, y_train));
    loss_eval.push_back(logloss(ze, y_eval));
    acc_train.push_back(accuracy(zt, y_train));
    acc_eval.push_back(accuracy(ze, y_eval));
  }
  Plot::line("Training curve: log-loss", "Newton iteration", "mean log-loss")
      .add_series("train", it, loss_train)
      .add_series("eval", it, loss_eval)
      .note("Iteration 0 is the start (bias at the base rate's log-odds, weights 0).")
      .write(dir / "loss.json");
  Plot::line("Training curve: accuracy", "Newton iteration", "accuracy")
      .add_series("train", it, acc_train)
      .add_series("eval", it, acc_eval)
      .write(dir / "accuracy.json");
}

class TrainerLogistic : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const int history = static_cast<int>(ctx.param<long long>("history"));
    LogisticFitOptions opt;
    opt.l2 = ctx.param<double>("l2");
    opt.tolerance = ctx.param<double>("tolerance");
    opt.max_iter = static_cast<int>(ctx.param<long long>("max_iter"));

    const auto path = ctx.input("dataset");
    ctx.progress(0.05, "reading dataset");
    const Dataset data = read_dataset(path);
    const double features = static_cast<double>(data.rois) * history;
    if (features * data.train_frames() > 4e8)
      throw StageError("trainer.logistic: rois * history * train frames = " + std::to_string(features * data.train_frames()) +
                       " feature values is too large (limit 4e8); lower history");

    Eigen::MatrixXd x_train, x_eval;
    Eigen::VectorXd y_train, y_eval;
    stack_samples(data.train, history, x_train, y_train);
    stack_samples(data.eval, history, x_eval, y_eval);
    const double positives = y_train.sum();
    if (positives == 0 || positives == y_train.size())
      throw StageError(path.string() + ": the train split has only label " +
                       std::string(positives == 0 ? "0" : "1") + "; a decoder needs both classes");

    ctx.progress(0.2, "fitting");
    const LogisticFit fit = fit_logistic(x_train, y_train, opt);
    if (!fit.converged)
      ctx.warn("Newton's method stopped at max_iter=" + std::to_string(opt.max_iter) +
               " before reaching tolerance; the model is usable but not at the optimum");
    if (!fit.weights.allFinite() || !std::isfinite(fit.bias))
      throw StageError("trainer.logistic: the fit diverged (non-finite weights); raise l2");

    const Eigen::VectorXd z_train = logits_of(x_train, fit);
    const Eigen::VectorXd z_eval = logits_of(x_eval, fit);

    LogisticModel model;
    model.rois = data.rois;
    model.history = history;
    model.weights = fit.weights;
    model.bias = fit.bias;
    model.decision_threshold_logit = 0;
    model.train_feature_min = Eigen::VectorXd::Constant(data.rois, std::numeric_limits<double>::infinity());
    model.train_feature_max = Eigen::VectorXd::Constant(data.rois, -std::numeric_limits<double>::infinity());
    for (const auto& seq : data.train) {
      model.train_feature_min = model.train_feature_min.cwiseMin(seq.frames.colwise().minCoeff().transpose());
      model.train_feature_max = model.train_feature_max.cwiseMax(seq.frames.colwise().maxCoeff().transpose());
    }
    json& m = model.metrics;
    m["train_accuracy"] = accuracy(z_train, y_train);
    m["train_logloss"] = logloss(z_train, y_train);
    m["eval_accuracy"] = accuracy(z_eval, y_eval);
    m["eval_auroc"] = auroc(z_eval, y_eval);
    m["eval_logloss"] = logloss(z_eval, y_eval);
    m["iterations"] = fit.iterations;
    m["converged"] = fit.converged ? 1 : 0;
    m["train_frames"] = data.train_frames();
    m["eval_frames"] = data.eval_frames();
    m["features"] = data.rois * history;
    model.source = {{"dataset_sha256", ctx.input_sha256("dataset")},
                    {"l2", opt.l2},
                    {"history", history},
                    {"tolerance", opt.tolerance},
                    {"trainer", "trainer.logistic/1"}};
    write_model(model, ctx.output("model"));
    write_training_curve(fit, x_train, y_train, x_eval, y_eval, ctx.output("plots"));

    for (auto it = m.begin(); it != m.end(); ++it) ctx.metric(it.key(), it.value());
    char line[200];
    std::snprintf(line, sizeof line,
                  "history %d: train accuracy %.4f, eval accuracy %.4f, eval AUROC %.4f (%d Newton iterations)",
                  history, m["train_accuracy"].get<double>(), m["eval_accuracy"].get<double>(),
                  m["eval_auroc"].get<double>(), fit.iterations);
    ctx.info(line);
  }
};

}  // namespace
}  // namespace flowrun::neuro

FLOWRUN_REGISTER_STAGE(flowrun::neuro::TrainerLogistic)
