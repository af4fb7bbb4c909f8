// L2-regularized logistic regression fitted by Newton's method (IRLS) with
// a backtracking line search. Deterministic: no random initialisation, no
// data shuffling, fixed summation order.
#pragma once

#include <Eigen/Dense>

#include <vector>

namespace flowrun::neuro {

struct LogisticFitOptions {
  double l2 = 1e-4;          // penalty l2/2 * |w|^2 on standardized weights
  double tolerance = 1e-9;   // stop when the Newton decrement^2/2 is below this
  int max_iter = 100;
};

struct LogisticFit {
  // In raw feature units: logit(x) = bias + weights . x. Standardization
  // used during the fit is folded in here.
  Eigen::VectorXd weights;
  double bias = 0;
  int iterations = 0;
  bool converged = false;
  double objective = 0;  // mean log-loss + penalty, standardized problem
  // The model at the start (iteration 0) and after every Newton step, in
  // raw feature units like weights/bias: the training curve.
  struct Step {
    int iteration = 0;
    double objective = 0;
    Eigen::VectorXd weights;
    double bias = 0;
  };
  std::vector<Step> trace;
};

// x: samples x features, y: 0/1 labels. Features are standardized
// internally (train mean and std; constant columns are left unscaled).
// Minimises mean_i logloss(y_i, b + w.z_i) + l2/2 |w|^2 (bias unpenalized).
LogisticFit fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                         const LogisticFitOptions& options);

}  // namespace flowrun::neuro
