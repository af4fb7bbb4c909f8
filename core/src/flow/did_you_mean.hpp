// "did you mean" help for misspelled names (keys, kinds, params, ports,
// stages), by edit distance.
#pragma once

#include <string>
#include <vector>

namespace flowrun {

// Edit distance: insert, delete, substitute or swap two neighbouring
// characters, each costing 1 (optimal string alignment).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is close enough to be a likely
// typo (distance <= max(1, len/3) and shorter than `word`, or `word`
// differs only in case), else "".
std::string closest_name(const std::string& word, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace flowrun
