#include "logistic_fit.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>

namespace flowrun::neuro {

namespace {

// log(1 + exp(z)) without overflow.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// Mean log-loss of logits `z` against labels y, plus the penalty.
double objective(const Eigen::VectorXd& z, const Eigen::VectorXd& y, const Eigen::VectorXd& w, double l2) {
  double loss = 0;
  for (Eigen::Index i = 0; i < z.size(); ++i) loss += softplus(z[i]) - y[i] * z[i];
  return loss / static_cast<double>(z.size()) + 0.5 * l2 * w.squaredNorm();
}

}  // namespace

LogisticFit fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LogisticFitOptions& opt) {
  const Eigen::Index n = x.rows();
  const Eigen::Index d = x.cols();
  if (n == 0) throw StageError("logistic regression: no training samples");

  // Standardize: z = (x - mean) / scale, so l2 treats every feature alike
  // and Newton's Hessian is well conditioned.
  const Eigen::RowVectorXd mean = x.colwise().mean();
  Eigen::RowVectorXd scale(d);
  for (Eigen::Index j = 0; j < d; ++j) {
    const double sd = std::sqrt((x.col(j).array() - mean[j]).square().mean());
    scale[j] = sd > 1e-12 ? sd : 1.0;
  }
  // Design matrix with a leading column of ones for the bias.
  Eigen::MatrixXd a(n, d + 1);
  a.col(0).setOnes();
  a.rightCols(d) = (x.rowwise() - mean).array().rowwise() / scale.array();

  Eigen::VectorXd beta = Eigen::VectorXd::Zero(d + 1);
  // Start the bias at the log-odds of the base rate.
  const double pos = std::clamp(y.mean(), 1e-6, 1.0 - 1e-6);
  beta[0] = std::log(pos / (1.0 - pos));
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(d + 1, opt.l2);
  penalty[0] = 0;  // the bias is not penalized

  LogisticFit fit;
  Eigen::VectorXd z = a * beta;
  double f = objective(z, y, beta.tail(d), opt.l2);
  // Fold the standardization into raw-unit weights:
  // b + sum w_j (x_j - m_j)/s_j = (b - sum w_j m_j/s_j) + sum (w_j/s_j) x_j.
  auto record = [&](int iteration) {
    LogisticFit::Step s;
    s.iteration = iteration;
    s.objective = f;
    s.weights = beta.tail(d).array() / scale.transpose().array();
    s.bias = beta[0] - s.weights.dot(mean.transpose());
    fit.trace.push_back(std::move(s));
  };
  record(0);
  const double inv_n = 1.0 / static_cast<double>(n);
  for (int it = 1; it <= opt.max_iter; ++it) {
    Eigen::VectorXd p(n), wts(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      p[i] = sigmoid(z[i]);
      wts[i] = p[i] * (1.0 - p[i]);
    }
    const Eigen::VectorXd grad = a.transpose() * (p - y) * inv_n + penalty.cwiseProduct(beta);
    Eigen::MatrixXd hess = a.transpose() * wts.asDiagonal() * a * inv_n;
    hess.diagonal() += penalty;
    // A tiny ridge keeps the solve defined if the data are degenerate.
    hess.diagonal().array() += 1e-12;
    const Eigen::VectorXd step = hess.ldlt().solve(-grad);
    const double decrement = -grad.dot(step);  // Newton decrement squared
    fit.iterations = it;
    if (decrement * 0.5 < opt.tolerance) {
      fit.converged = true;
      break;
    }
    // Backtracking (Armijo) line search keeps every step a descent.
    double t = 1.0;
    Eigen::VectorXd next;
    double f_next = f;
    for (int k = 0; k < 50; ++k) {
      next = beta + t * step;
      z = a * next;
      f_next = objective(z, y, next.tail(d), opt.l2);
      if (f_next <= f - 0.25 * t * decrement) break;
      t *= 0.5;
    }
    beta = next;
    f = f_next;
    record(it);
  }
  fit.objective = f;
  fit.weights = fit.trace.back().weights;
  fit.bias = fit.trace.back().bias;
  return fit;
}

}  // namespace flowrun::neuro
