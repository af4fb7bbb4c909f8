// Binary classification metrics used to compare the float and fixed-point
// decoders on held-out frames.
#pragma once

#include <vector>

namespace flowrun::decoder {

// Fraction of predictions equal to labels (0 when empty).
double accuracy(const std::vector<int>& predictions, const std::vector<int>& labels);

// Area under the ROC curve of `scores` for binary `labels` (Mann-Whitney U
// with average ranks for ties). NaN when one class is absent.
double auroc(const std::vector<double>& scores, const std::vector<int>& labels);

}  // namespace flowrun::decoder
