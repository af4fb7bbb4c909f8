// The product table of an evolved multiplier netlist, its files (lut/) and
// its error metrics through flowrun_gates' one metrics implementation.
#pragma once

#include <flowrun_gates/error_metrics.hpp>
#include <flowrun_gates/netlist.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace flowrun::approx {

struct ProductTable {
  int a_width = 8;
  int b_width = 8;
  bool is_signed = true;
  // values[a_pattern * 2^b_width + b_pattern] = the netlist's y, read as two's
  // complement when signed.
  std::vector<std::int64_t> values;
};

// Simulates the netlist (operand ports a, b, product y, however named) with
// flowrun_gates.
ProductTable product_table(const gates::Netlist& nl, int a_width, int b_width, bool is_signed,
                           const std::string& a_port = "a", const std::string& y_port = "y");

// er, med, nmed, wce, wce_abs, mre, smape, mse against the exact products.
gates::ErrorMetrics table_metrics(const ProductTable& t);

// Writes dir/lut.csv (2^a_width rows x 2^b_width columns, no header, row i =
// a's bit pattern i, column j = b's, signed decimal values when signed) and
// dir/lut.bin (row-major little-endian, 16 bits per value when y has at
// most 16 bits, else 32: int16/int32 two's complement when signed,
// uint16/uint32 when unsigned).
void write_lut_folder(const ProductTable& t, const std::filesystem::path& dir);

}  // namespace flowrun::approx
