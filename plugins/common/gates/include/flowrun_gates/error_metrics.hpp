// The one implementation of flowrun's error metrics for approximate
// arithmetic, computed over a full truth table. Used by approx.ga for its
// final report and by verify.lut to re-check it, so both sides get the same
// numbers bit for bit (same code, same summation order).
//
// For every input pair i (n pairs in all), e_i = approx_i - exact_i:
//   er      = #{i : e_i != 0} / n                    error rate
//   med     = sum |e_i| / n                          mean error distance
//   nmed    = med / normalizer
//   wce_abs = max |e_i|                              worst-case error
//   wce     = wce_abs / normalizer
//   mre     = (sum over exact_i != 0 of |e_i| / |exact_i|) / #{exact_i != 0}
//             (0 when every exact product is 0)
//   smape   = (sum over i of s_i) / n, s_i = |e_i| / (|exact_i| + |approx_i|),
//             s_i = 0 when exact_i = approx_i = 0 (so 0 <= smape <= 1)
//   mse     = sum e_i^2 / n
// normalizer = the largest |exact product| over the input range (16384 for
// 8x8 signed, 65025 for 8x8 unsigned); see product_normalizer().
// med and mse come from exact integer sums; mre and smape are summed in
// input order in long double.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flowrun::gates {

struct ErrorMetrics {
  std::uint64_t vectors = 0;  // n
  std::uint64_t errors = 0;   // #{e_i != 0}
  double er = 0;
  double med = 0;
  double nmed = 0;
  std::int64_t wce_abs = 0;
  double wce = 0;
  double mre = 0;
  double smape = 0;
  double mse = 0;
  double normalizer = 1;
};

// exact and approx must have the same, non-zero length; normalizer > 0.
// Throws std::invalid_argument otherwise.
ErrorMetrics compute_error_metrics(std::span<const std::int64_t> exact,
                                   std::span<const std::int64_t> approx, double normalizer);

// The largest |a * b| for a in a_width bits, b in b_width bits (two's
// complement when is_signed): 16384 for 8x8 signed.
double product_normalizer(int a_width, int b_width, bool is_signed);

// Exact products in table order: index k = a_pattern * 2^b_width + b_pattern,
// patterns read as two's complement when is_signed. a_width + b_width <= 24.
std::vector<std::int64_t> exact_products(int a_width, int b_width, bool is_signed);

// The metric names written to metrics.json, in this order:
// er, med, nmed, wce, wce_abs, mre, smape, mse.
const std::vector<std::string>& error_metric_names();
// The metric value by name (wce_abs as a double); throws std::out_of_range
// for another name.
double error_metric(const ErrorMetrics& m, const std::string& name);
// {"er":..,"med":..,"nmed":..,"wce":..,"wce_abs":..,"mre":..,"smape":..,"mse":..}
// (wce_abs as an integer). nlohmann::json prints doubles so they read back
// exactly.
nlohmann::json to_json(const ErrorMetrics& m);

}  // namespace flowrun::gates
