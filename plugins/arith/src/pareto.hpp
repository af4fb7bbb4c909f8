// The sweep table of approx.pareto and its Pareto fronts.
#pragma once

#include <flowrun/sdk.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flowrun::arith {

// One evolved design: named numbers (missing ones stay absent).
struct DesignPoint {
  std::string instance;  // e.g. "ga[eps_end=0.005]"
  std::vector<std::pair<std::string, double>> values;
  std::optional<double> get(const std::string& name) const;
  void set(const std::string& name, double v);
};

// The bracketed matrix coordinates of an instance name: "ga[eps_end=0.005]"
// -> "eps_end=0.005"; "" for an unswept stage.
std::string instance_key(const std::string& instance);

// Columns of table.csv, in order.
const std::vector<std::string>& table_columns();

// Points not dominated for (cost, error), both minimized: no other point
// has cost <= and error <= with one of them strictly smaller. Points
// lacking either value are left out. Sorted by error, then cost. Returns
// indices into `points`.
std::vector<std::size_t> pareto_front(const std::vector<DesignPoint>& points, const std::string& cost,
                                      const std::string& error);

// CSV text: the table (instance + table_columns(), empty cells for missing
// values) and the fronts (cost, error, instance, eps_end, cost_value,
// error_value) for every cost in {transistors, power_mw, delay_ns} and error
// in {wce, nmed, er} that has data.
std::string table_csv(const std::vector<DesignPoint>& points);
std::string pareto_csv(const std::vector<DesignPoint>& points);

// Numbers are printed with up to 17 significant digits, shortest form that
// reads back exactly.
std::string format_number(double v);

}  // namespace flowrun::arith
