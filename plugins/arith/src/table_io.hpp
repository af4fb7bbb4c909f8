// Product tables on disk, all in the order k = a_pattern * 2^b_width +
// b_pattern (row i = a's bit pattern, column j = b's):
//   lut/lut.csv     2^a_width lines of 2^b_width comma-separated decimal
//                   values (signed when the multiplier is), no header
//   lut/lut.bin     the same values, row-major, little-endian, 16 bits each
//                   when y_width <= 16, else 32: int16/int32 (two's
//                   complement) when signed, uint16/uint32 when unsigned
//   expected.hex    one value per line, y_width bits as hex digits
//                   ($readmemh), written for the testbench
//   table.hex       one value per line as the testbench prints it (%h of
//                   the y_width-bit output), read back after simulation
#pragma once

#include "mult_shape.hpp"

#include <filesystem>
#include <vector>

namespace flowrun::arith {

namespace fs = std::filesystem;

// Reads dir/lut.csv, checking its shape against `shape` and every value
// against the output range; when dir/lut.bin exists it must hold the same
// values. Throws StageError("lut.csv:LINE:COL: ...").
std::vector<std::int64_t> read_lut_folder(const fs::path& dir, const MultShape& shape);

// Writes the values as $readmemh lines of y_width bits.
void write_hex_table(const fs::path& file, const std::vector<std::int64_t>& values, const MultShape& shape);

// Reads a hex table (expected.hex or table.hex) of shape.vectors() lines;
// values are read as y_width-bit two's complement when signed. x/z digits
// (an undriven or unknown output in simulation) are an error naming the line.
std::vector<std::int64_t> read_hex_table(const fs::path& file, const MultShape& shape);

}  // namespace flowrun::arith
