// The checks of verify.lut, apart from file handling: the simulated table
// must equal the LUT entry for entry, and the error metrics recomputed from
// the simulated table (flowrun_gates' one implementation) must equal those
// the producer reported.
#pragma once

#include "mult_shape.hpp"

#include <flowrun_gates/error_metrics.hpp>

#include <vector>

namespace flowrun::arith {

struct MetricComparison {
  std::string name;
  double reported = 0;
  double recomputed = 0;
  bool equal = false;
};

struct LutCheck {
  std::size_t mismatched_entries = 0;
  std::vector<std::size_t> first_mismatches;  // up to 10 table indices
  gates::ErrorMetrics recomputed;
  std::vector<MetricComparison> metrics;  // every name of error_metric_names()
  bool table_matches() const { return mismatched_entries == 0; }
  bool metrics_match() const;
};

// Equal, or within 1e-12 relative: the reported values went through JSON,
// which nlohmann::json prints with round-trip precision, so in practice they
// are identical; the tolerance only forgives a producer that printed 15+
// significant digits.
bool metric_equal(double reported, double recomputed);

// `reported` is the producer's metrics.json object; every metric of
// error_metric_names() must be present as a number (throws StageError
// naming `where` and the key otherwise).
LutCheck check_lut(const MultShape& shape, const std::vector<std::int64_t>& simulated,
                   const std::vector<std::int64_t>& lut, const json& reported, const std::string& where);

// "a=-3 b=5 (pair 64773)" for messages.
std::string describe_pair(const MultShape& shape, std::size_t k);

}  // namespace flowrun::arith
