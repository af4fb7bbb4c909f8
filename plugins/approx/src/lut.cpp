// Product tables and lut/ files.
#include "lut.hpp"

#include <fstream>
#include <stdexcept>

namespace flowrun::approx {

ProductTable product_table(const gates::Netlist& nl, int a_width, int b_width, bool is_signed,
                           const std::string& a_port, const std::string& y_port) {
  ProductTable t;
  t.a_width = a_width;
  t.b_width = b_width;
  t.is_signed = is_signed;
  const gates::SimTable sim = gates::simulate(nl);
  const std::vector<std::int64_t> y = gates::port_values(nl, sim, y_port, is_signed);
  // flowrun_gates orders assignments by input-port declaration order (first
  // port most significant); the table is always a-major.
  bool a_first = true;
  for (const auto& p : nl.ports) {
    if (p.is_input) {
      a_first = p.name == a_port;
      break;
    }
  }
  const std::size_t na = std::size_t{1} << a_width, nb = std::size_t{1} << b_width;
  if (y.size() != na * nb) throw std::runtime_error("product table: unexpected number of input assignments");
  t.values.resize(na * nb);
  for (std::size_t a = 0; a < na; ++a) {
    for (std::size_t b = 0; b < nb; ++b) t.values[a * nb + b] = a_first ? y[a * nb + b] : y[b * na + a];
  }
  return t;
}

gates::ErrorMetrics table_metrics(const ProductTable& t) {
  const auto exact = gates::exact_products(t.a_width, t.b_width, t.is_signed);
  return gates::compute_error_metrics(exact, t.values,
                                      gates::product_normalizer(t.a_width, t.b_width, t.is_signed));
}

void write_lut_folder(const ProductTable& t, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::size_t na = std::size_t{1} << t.a_width, nb = std::size_t{1} << t.b_width;
  {
    std::ofstream csv(dir / "lut.csv");
    for (std::size_t a = 0; a < na; ++a) {
      for (std::size_t b = 0; b < nb; ++b) {
        if (b) csv << ',';
        csv << t.values[a * nb + b];
      }
      csv << '\n';
    }
    if (!csv) throw std::runtime_error("cannot write " + (dir / "lut.csv").string());
  }
  const int bytes = t.a_width + t.b_width <= 16 ? 2 : 4;
  std::ofstream bin(dir / "lut.bin", std::ios::binary);
  for (const std::int64_t v : t.values) {
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < bytes; ++i) bin.put(static_cast<char>((u >> (8 * i)) & 0xFF));
  }
  if (!bin) throw std::runtime_error("cannot write " + (dir / "lut.bin").string());
}

}  // namespace flowrun::approx
