// Scores of a binary classifier from its logits.
#pragma once

#include <Eigen/Dense>

namespace flowrun::neuro {

// Fraction of samples with (logit >= threshold) == label.
double accuracy(const Eigen::VectorXd& logits, const Eigen::VectorXd& labels, double threshold = 0);
// Area under the ROC curve (Mann-Whitney U with average ranks for ties);
// 0.5 when only one class is present.
double auroc(const Eigen::VectorXd& scores, const Eigen::VectorXd& labels);
// Mean negative log-likelihood (natural log) of the labels under
// p = sigmoid(logit), computed without overflow.
double logloss(const Eigen::VectorXd& logits, const Eigen::VectorXd& labels);

}  // namespace flowrun::neuro
