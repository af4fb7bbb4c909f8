// The shape of a multiplier every arith stage agrees on: operand widths,
// signedness and the Verilog module name, with the table order shared by
// lut.csv, expected.hex and table.hex.
#pragma once

#include <flowrun/sdk.hpp>

#include <cstdint>
#include <string>

namespace flowrun::arith {

struct MultShape {
  int a_width = 8;
  int b_width = 8;
  bool is_signed = true;
  std::string module;  // Verilog module name
  // Port names of the module (a user's netlist may call them A, B, OUT).
  std::string a_port = "a";
  std::string b_port = "b";
  std::string y_port = "y";

  int y_width() const { return a_width + b_width; }
  std::size_t rows() const { return std::size_t{1} << a_width; }
  std::size_t cols() const { return std::size_t{1} << b_width; }
  // Number of input pairs; table index k = a_pattern * cols() + b_pattern.
  std::size_t vectors() const { return rows() * cols(); }
  // The signed/unsigned value of an operand bit pattern.
  std::int64_t operand(std::uint64_t pattern, int width) const;
  // Smallest and largest value a product table entry may hold (the range
  // of a y_width()-bit output).
  std::int64_t min_value() const;
  std::int64_t max_value() const;
  // "a8 x b8 signed" for messages and comments.
  std::string describe() const;
};

// "mult8x8s" for 8x8 signed, "mult4x6u" for 4x6 unsigned.
std::string default_module_name(int a_width, int b_width, bool is_signed);

// Exhaustive tables are kept to a_width + b_width <= this (1M vectors).
inline constexpr int kMaxTableInputBits = 20;

// The shared params: a_width, b_width, signed, module.
std::vector<ParamSpec> shape_params();
// a_port, b_port, y_port: the port names of the module under test.
std::vector<ParamSpec> port_params();
// Reads and checks them into `shape` (plain Verilog identifiers, distinct).
void ports_from(const Context& ctx, MultShape& shape);
// Reads and checks them: throws StageError for a module name that is not a
// plain Verilog identifier, and, when the stage needs the exhaustive table,
// for more than kMaxTableInputBits input bits.
MultShape shape_from(const Context& ctx, bool needs_table = true);

}  // namespace flowrun::arith
