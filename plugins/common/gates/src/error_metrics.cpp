// Error metrics over a full truth table; definitions in error_metrics.hpp.
#include <flowrun_gates/error_metrics.hpp>

#include <cstdlib>
#include <stdexcept>

namespace flowrun::gates {

ErrorMetrics compute_error_metrics(std::span<const std::int64_t> exact,
                                   std::span<const std::int64_t> approx, double normalizer) {
  if (exact.size() != approx.size())
    throw std::invalid_argument("error metrics: exact table has " + std::to_string(exact.size()) +
                                " entries, approximate table " + std::to_string(approx.size()));
  if (exact.empty()) throw std::invalid_argument("error metrics: empty truth table");
  if (!(normalizer > 0)) throw std::invalid_argument("error metrics: normalizer must be > 0");

  ErrorMetrics m;
  m.vectors = exact.size();
  m.normalizer = normalizer;
  // |e| and e^2 are summed in 128-bit integers, so med and mse are exact
  // for any table (2^24 entries of errors up to 2^26 stay far below 2^128).
  unsigned __int128 sum_abs = 0;
  unsigned __int128 sum_sq = 0;
  long double sum_rel = 0;
  long double sum_sym = 0;
  std::uint64_t nonzero = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    const std::int64_t x = exact[i];
    const std::int64_t a = approx[i];
    const std::int64_t e = a - x;
    const std::uint64_t ae = static_cast<std::uint64_t>(e < 0 ? -e : e);
    if (ae != 0) ++m.errors;
    sum_abs += ae;
    sum_sq += static_cast<unsigned __int128>(ae) * ae;
    if (static_cast<std::int64_t>(ae) > m.wce_abs) m.wce_abs = static_cast<std::int64_t>(ae);
    const std::uint64_t ax = static_cast<std::uint64_t>(x < 0 ? -x : x);
    const std::uint64_t aa = static_cast<std::uint64_t>(a < 0 ? -a : a);
    if (ax != 0) {
      ++nonzero;
      sum_rel += static_cast<long double>(ae) / static_cast<long double>(ax);
    }
    if (ae != 0)  // ax + aa > 0 whenever e != 0
      sum_sym += static_cast<long double>(ae) / static_cast<long double>(ax + aa);
  }
  const long double n = static_cast<long double>(m.vectors);
  m.er = static_cast<double>(static_cast<long double>(m.errors) / n);
  m.med = static_cast<double>(static_cast<long double>(sum_abs) / n);
  m.nmed = static_cast<double>(static_cast<long double>(sum_abs) / n / normalizer);
  m.wce = static_cast<double>(static_cast<long double>(m.wce_abs) / normalizer);
  m.mre = nonzero ? static_cast<double>(sum_rel / static_cast<long double>(nonzero)) : 0.0;
  m.smape = static_cast<double>(sum_sym / n);
  m.mse = static_cast<double>(static_cast<long double>(sum_sq) / n);
  return m;
}

double product_normalizer(int a_width, int b_width, bool is_signed) {
  if (a_width < 1 || b_width < 1 || a_width + b_width > 62)
    throw std::invalid_argument("product_normalizer: widths out of range");
  if (is_signed) {
    // (-2^(a-1)) * (-2^(b-1)) is the largest magnitude.
    return static_cast<double>(std::int64_t{1} << (a_width + b_width - 2));
  }
  const double amax = static_cast<double>((std::int64_t{1} << a_width) - 1);
  const double bmax = static_cast<double>((std::int64_t{1} << b_width) - 1);
  return amax * bmax;
}

std::vector<std::int64_t> exact_products(int a_width, int b_width, bool is_signed) {
  if (a_width < 1 || b_width < 1 || a_width + b_width > 24)
    throw std::invalid_argument("exact_products: widths must be >= 1 with a_width + b_width <= 24");
  const std::int64_t na = std::int64_t{1} << a_width;
  const std::int64_t nb = std::int64_t{1} << b_width;
  auto value = [is_signed](std::int64_t pattern, int width) {
    if (is_signed && (pattern >> (width - 1)) & 1) return pattern - (std::int64_t{1} << width);
    return pattern;
  };
  std::vector<std::int64_t> out(static_cast<std::size_t>(na * nb));
  for (std::int64_t i = 0; i < na; ++i)
    for (std::int64_t j = 0; j < nb; ++j)
      out[static_cast<std::size_t>(i * nb + j)] = value(i, a_width) * value(j, b_width);
  return out;
}

const std::vector<std::string>& error_metric_names() {
  static const std::vector<std::string> names{"er",  "med", "nmed",  "wce",
                                              "wce_abs", "mre", "smape", "mse"};
  return names;
}

double error_metric(const ErrorMetrics& m, const std::string& name) {
  if (name == "er") return m.er;
  if (name == "med") return m.med;
  if (name == "nmed") return m.nmed;
  if (name == "wce") return m.wce;
  if (name == "wce_abs") return static_cast<double>(m.wce_abs);
  if (name == "mre") return m.mre;
  if (name == "smape") return m.smape;
  if (name == "mse") return m.mse;
  throw std::out_of_range("unknown error metric '" + name + "'");
}

nlohmann::json to_json(const ErrorMetrics& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& name : error_metric_names()) {
    if (name == "wce_abs")
      j[name] = m.wce_abs;
    else
      j[name] = error_metric(m, name);
  }
  return j;
}

}  // namespace flowrun::gates
