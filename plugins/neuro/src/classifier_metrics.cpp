#include "classifier_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace flowrun::neuro {

double accuracy(const Eigen::VectorXd& logits, const Eigen::VectorXd& labels, double threshold) {
  if (logits.size() == 0) return 0;
  Eigen::Index right = 0;
  for (Eigen::Index i = 0; i < logits.size(); ++i)
    right += ((logits[i] >= threshold) == (labels[i] > 0.5)) ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(logits.size());
}

double auroc(const Eigen::VectorXd& scores, const Eigen::VectorXd& labels) {
  const Eigen::Index n = scores.size();
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  // Sum of (1-based, tie-averaged) ranks of the positives.
  double rank_sum = 0;
  double positives = 0;
  for (Eigen::Index i = 0; i < n;) {
    Eigen::Index j = i;
    while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (Eigen::Index k = i; k <= j; ++k)
      if (labels[order[k]] > 0.5) {
        rank_sum += avg_rank;
        positives += 1;
      }
    i = j + 1;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

double logloss(const Eigen::VectorXd& logits, const Eigen::VectorXd& labels) {
  if (logits.size() == 0) return 0;
  double sum = 0;
  for (Eigen::Index i = 0; i < logits.size(); ++i) {
    // -log sigmoid(z) = softplus(-z); -log(1 - sigmoid(z)) = softplus(z)
    const double z = labels[i] > 0.5 ? -logits[i] : logits[i];
    sum += z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
  }
  return sum / static_cast<double>(logits.size());
}

}  // namespace flowrun::neuro
