// History features: the software twin of the decoder's frame shift register.
#include <flowrun_neuro/dataset.hpp>

#include <flowrun/stage.hpp>

namespace flowrun::neuro {

Eigen::MatrixXd history_features(const Sequence& seq, int history) {
  if (history < 1) throw StageError("history must be >= 1, got " + std::to_string(history));
  const int n = seq.length();
  const int rois = static_cast<int>(seq.frames.cols());
  // Frames before the sequence start are zero: the shift register is
  // cleared by reset at every sequence start.
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(rois) * history);
  for (int h = 0; h < history && h < n; ++h)
    x.block(h, static_cast<Eigen::Index>(h) * rois, n - h, rois) = seq.frames.topRows(n - h);
  return x;
}

void stack_samples(const std::vector<Sequence>& seqs, int history, Eigen::MatrixXd& features,
                   Eigen::VectorXd& labels) {
  Eigen::Index total = 0;
  Eigen::Index cols = 0;
  for (const auto& s : seqs) {
    total += s.length();
    cols = s.frames.cols() * history;
  }
  features.resize(total, cols);
  labels.resize(total);
  Eigen::Index row = 0;
  for (const auto& s : seqs) {
    features.middleRows(row, s.length()) = history_features(s, history);
    for (int t = 0; t < s.length(); ++t) labels[row + t] = s.labels[t];
    row += s.length();
  }
}

}  // namespace flowrun::neuro
