#include "lut_check.hpp"

#include <cmath>

namespace flowrun::arith {

bool LutCheck::metrics_match() const {
  for (const auto& m : metrics)
    if (!m.equal) return false;
  return true;
}

bool metric_equal(double reported, double recomputed) {
  if (reported == recomputed) return true;
  const double scale = std::max(std::fabs(reported), std::fabs(recomputed));
  return std::fabs(reported - recomputed) <= 1e-12 * scale;
}

std::string describe_pair(const MultShape& shape, std::size_t k) {
  return "a=" + std::to_string(shape.operand(k / shape.cols(), shape.a_width)) +
         " b=" + std::to_string(shape.operand(k % shape.cols(), shape.b_width)) + " (pair " + std::to_string(k) + ")";
}

LutCheck check_lut(const MultShape& shape, const std::vector<std::int64_t>& simulated,
                   const std::vector<std::int64_t>& lut, const json& reported, const std::string& where) {
  if (simulated.size() != shape.vectors() || lut.size() != shape.vectors())
    throw StageError("internal: tables of " + std::to_string(simulated.size()) + " and " + std::to_string(lut.size()) +
                     " entries for " + std::to_string(shape.vectors()) + " pairs");
  if (!reported.is_object()) throw StageError(where + ": expected a JSON object of metrics");
  LutCheck c;
  for (std::size_t k = 0; k < simulated.size(); ++k)
    if (simulated[k] != lut[k]) {
      ++c.mismatched_entries;
      if (c.first_mismatches.size() < 10) c.first_mismatches.push_back(k);
    }
  const auto exact = gates::exact_products(shape.a_width, shape.b_width, shape.is_signed);
  c.recomputed = gates::compute_error_metrics(
      exact, simulated, gates::product_normalizer(shape.a_width, shape.b_width, shape.is_signed));
  for (const auto& name : gates::error_metric_names()) {
    const auto it = reported.find(name);
    if (it == reported.end() || !it->is_number())
      throw StageError(where + ": expected a number '" + name + "' (the error metrics " +
                       "er, med, nmed, wce, wce_abs, mre, smape, mse)");
    MetricComparison m;
    m.name = name;
    m.reported = it->get<double>();
    m.recomputed = gates::error_metric(c.recomputed, name);
    m.equal = metric_equal(m.reported, m.recomputed);
    c.metrics.push_back(m);
  }
  return c;
}

}  // namespace flowrun::arith
