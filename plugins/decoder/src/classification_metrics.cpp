#include "classification_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace flowrun::decoder {

double accuracy(const std::vector<int>& predictions, const std::vector<int>& labels) {
  if (predictions.size() != labels.size()) throw std::invalid_argument("accuracy: size mismatch");
  if (labels.empty()) return 0;
  std::size_t hits = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) hits += predictions[i] == labels[i];
  return static_cast<double>(hits) / static_cast<double>(labels.size());
}

double auroc(const std::vector<double>& scores, const std::vector<int>& labels) {
  if (scores.size() != labels.size()) throw std::invalid_argument("auroc: size mismatch");
  const std::size_t n = scores.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  std::size_t positives = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (labels[order[k]] == 1) {
        positive_rank_sum += avg_rank;
        ++positives;
      }
    }
    i = j;
  }
  const std::size_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  const double p = static_cast<double>(positives);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

}  // namespace flowrun::decoder
