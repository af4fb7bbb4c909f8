#include "classifier_metrics.hpp"
#include "logistic_fit.hpp"
#include "prng.hpp"

#include <gtest/gtest.h>

using namespace flowrun::neuro;

namespace {

// Samples from a known logistic model with features on very different
// scales and offsets (as raw dF/F frames have).
void sample_logistic(int n, const Eigen::VectorXd& w, double b, Eigen::MatrixXd& x, Eigen::VectorXd& y) {
  Prng rng(3);
  const Eigen::Index d = w.size();
  x.resize(n, d);
  y.resize(n);
  for (int i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = 5.0 * static_cast<double>(j) + (1.0 + 10.0 * static_cast<double>(j)) * rng.normal();
    const double z = b + x.row(i).dot(w);
    y[i] = rng.uniform() < 1.0 / (1.0 + std::exp(-z)) ? 1 : 0;
  }
}

}  // namespace

TEST(LogisticFit, RecoversKnownWeightsInRawUnits) {
  Eigen::VectorXd w(3);
  w << 1.5, -0.2, 0.05;
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  sample_logistic(40000, w, 0.7, x, y);
  LogisticFitOptions opt;
  opt.l2 = 0;
  const auto fit = fit_logistic(x, y, opt);
  EXPECT_TRUE(fit.converged);
  EXPECT_LT(fit.iterations, 20);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(fit.weights[j], w[j], 0.05 * std::abs(w[j])) << j;
  EXPECT_NEAR(fit.bias, 0.7, 0.1);
}

TEST(LogisticFit, GradientVanishesAtTheOptimumOfTheStandardizedProblem) {
  Eigen::VectorXd w(2);
  w << 1.0, -1.0;
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  sample_logistic(3000, w, 0.0, x, y);
  LogisticFitOptions opt;
  opt.l2 = 0.01;
  opt.tolerance = 1e-14;
  const auto fit = fit_logistic(x, y, opt);
  ASSERT_TRUE(fit.converged);
  // The unpenalized bias means mean(p - y) = 0 at the optimum.
  Eigen::VectorXd z = (x * fit.weights).array() + fit.bias;
  double mean_residual = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) mean_residual += 1.0 / (1.0 + std::exp(-z[i])) - y[i];
  EXPECT_NEAR(mean_residual / static_cast<double>(z.size()), 0.0, 1e-7);
  // A stronger penalty shrinks the weights.
  opt.l2 = 1.0;
  const auto shrunk = fit_logistic(x, y, opt);
  EXPECT_LT(shrunk.weights.norm(), fit.weights.norm());
}

TEST(LogisticFit, SeparableDataStaysFiniteWithL2) {
  Eigen::MatrixXd x(4, 1);
  x << -2, -1, 1, 2;
  Eigen::VectorXd y(4);
  y << 0, 0, 1, 1;
  const auto fit = fit_logistic(x, y, {});
  EXPECT_TRUE(fit.converged);
  EXPECT_TRUE(fit.weights.allFinite());
  EXPECT_GT(fit.weights[0], 0);
  EXPECT_EQ(accuracy((x * fit.weights).array() + fit.bias, y), 1.0);
}

TEST(LogisticFit, ConstantColumnsAreHarmless) {
  Eigen::MatrixXd x(6, 2);
  x << 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0;
  Eigen::VectorXd y(6);
  y << 0, 0, 1, 0, 1, 1;
  const auto fit = fit_logistic(x, y, {});
  EXPECT_TRUE(fit.weights.allFinite());
  EXPECT_TRUE(fit.converged);
}

TEST(ClassifierMetrics, AccuracyUsesLogitThresholdZeroInclusive) {
  Eigen::VectorXd z(4), y(4);
  z << -1, 0, 2, -0.5;
  y << 0, 1, 1, 1;
  EXPECT_DOUBLE_EQ(accuracy(z, y), 0.75);
}

TEST(ClassifierMetrics, AurocCountsPairsAndTies) {
  Eigen::VectorXd s(4), y(4);
  s << 0.1, 0.4, 0.35, 0.8;
  y << 0, 0, 1, 1;
  EXPECT_DOUBLE_EQ(auroc(s, y), 0.75);  // 3 of 4 positive/negative pairs ordered
  Eigen::VectorXd tie(2), ty(2);
  tie << 1, 1;
  ty << 0, 1;
  EXPECT_DOUBLE_EQ(auroc(tie, ty), 0.5);
  Eigen::VectorXd one(2);
  one << 1, 1;
  EXPECT_DOUBLE_EQ(auroc(s.head(2), one), 0.5);  // one class only
}

TEST(ClassifierMetrics, LoglossIsStableForLargeLogits) {
  Eigen::VectorXd z(2), y(2);
  z << 800, -800;
  y << 1, 0;
  EXPECT_NEAR(logloss(z, y), 0.0, 1e-300);
  y << 0, 1;
  EXPECT_NEAR(logloss(z, y), 800.0, 1e-9);
  Eigen::VectorXd z0 = Eigen::VectorXd::Zero(1), y0 = Eigen::VectorXd::Ones(1);
  EXPECT_NEAR(logloss(z0, y0), std::log(2.0), 1e-15);
}
