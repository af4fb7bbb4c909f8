#include "table_io.hpp"
#include "test_util.hpp"

#include <flowrun_gates/error_metrics.hpp>

#include <gtest/gtest.h>

using namespace flowrun::arith;
using namespace flowrun::arith::test;

namespace {

MultShape shape(int a, int b, bool s) { return MultShape{a, b, s, default_module_name(a, b, s)}; }

std::string csv_of(const std::vector<std::int64_t>& v, const MultShape& s) {
  std::string out;
  for (std::size_t r = 0; r < s.rows(); ++r) {
    for (std::size_t c = 0; c < s.cols(); ++c) out += (c ? "," : "") + std::to_string(v[r * s.cols() + c]);
    out += "\n";
  }
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const flowrun::StageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(TableIo, ReadsLutCsvAndCrossChecksLutBin) {
  const auto s = shape(3, 2, true);
  const auto exact = flowrun::gates::exact_products(3, 2, true);
  const auto dir = fresh_dir("lut_ok");
  write_file(dir / "lut.csv", csv_of(exact, s));
  EXPECT_EQ(read_lut_folder(dir, s), exact);
  std::string bin;
  for (auto v : exact) {
    const auto u = static_cast<std::uint16_t>(v);
    bin += static_cast<char>(u & 0xff);
    bin += static_cast<char>(u >> 8);
  }
  write_file(dir / "lut.bin", bin);
  EXPECT_EQ(read_lut_folder(dir, s), exact);
  bin[2 * 5] ^= 1;
  write_file(dir / "lut.bin", bin);
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("lut.bin: entry 5 (row 1, column 1)"), std::string::npos);
  bin.pop_back();
  write_file(dir / "lut.bin", bin);
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("63 bytes, expected 64 (32 little-endian int16 values)"), std::string::npos);
}

TEST(TableIo, UnsignedLutBinHoldsProductsAbove32767) {
  // 8x8 unsigned: 255 * 255 = 65025 is uint16 0xfe01, not -511.
  const auto s = shape(8, 8, false);
  const auto exact = flowrun::gates::exact_products(8, 8, false);
  const auto dir = fresh_dir("lut_unsigned");
  write_file(dir / "lut.csv", csv_of(exact, s));
  std::string bin;
  for (auto v : exact) {
    const auto u = static_cast<std::uint16_t>(v);
    bin += static_cast<char>(u & 0xff);
    bin += static_cast<char>(u >> 8);
  }
  write_file(dir / "lut.bin", bin);
  const auto read = read_lut_folder(dir, s);
  EXPECT_EQ(read, exact);
  EXPECT_EQ(read.back(), 65025);
}

TEST(TableIo, RejectsMalformedLutCsvWithPlace) {
  const auto s = shape(2, 2, true);
  const auto dir = fresh_dir("lut_bad");
  write_file(dir / "lut.csv", "0,0,0,0\n0,1,x,-1\n0,-2,4,-2\n0,-1,2,1\n");
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("lut.csv:2:5: expected an integer, got 'x'"),
            std::string::npos)
      << error_of([&] { read_lut_folder(dir, s); });
  write_file(dir / "lut.csv", "0,0,0,0\n0,1,2\n0,-2,4,-2\n0,-1,2,1\n");
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("lut.csv:2:1: 3 columns, expected 4"), std::string::npos);
  write_file(dir / "lut.csv", "0,0,0,0\n0,1,2,-1\n");
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("2 rows, expected 4"), std::string::npos);
  write_file(dir / "lut.csv", "0,0,0,0\n0,1,2,-1\n0,-2,4,-2\n0,-1,2,8\n");
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("lut.csv:4:8: value 8 is outside the 4-bit output range [-8, 7]"),
            std::string::npos)
      << error_of([&] { read_lut_folder(dir, s); });
  fs::remove(dir / "lut.csv");
  EXPECT_NE(error_of([&] { read_lut_folder(dir, s); }).find("cannot open the LUT table"), std::string::npos);
}

TEST(TableIo, HexTablesRoundTripSignedAndUnsigned) {
  for (bool is_signed : {true, false}) {
    const auto s = shape(4, 3, is_signed);
    const auto exact = flowrun::gates::exact_products(4, 3, is_signed);
    const auto dir = fresh_dir(is_signed ? "hex_s" : "hex_u");
    write_hex_table(dir / "t.hex", exact, s);
    EXPECT_EQ(read_hex_table(dir / "t.hex", s), exact);
  }
  const auto s = shape(8, 8, true);
  const auto dir = fresh_dir("hex_digits");
  write_hex_table(dir / "t.hex", flowrun::gates::exact_products(8, 8, true), s);
  const auto text = read_file(dir / "t.hex");
  EXPECT_EQ(text.substr(0, 5), "0000\n");
  // pair 0xff * 256 + 0x02 is -1 * 2 = -2 = fffe
  EXPECT_EQ(text.substr((0xff * 256 + 2) * 5, 5), "fffe\n");
}

TEST(TableIo, HexTableWithUnknownBitsIsAnError) {
  const auto s = shape(1, 1, false);
  const auto dir = fresh_dir("hex_x");
  write_file(dir / "t.hex", "0\n0\n0\nx\n");
  EXPECT_NE(error_of([&] { read_hex_table(dir / "t.hex", s); }).find("t.hex:4:1: output 'x' has unknown (x/z) bits"),
            std::string::npos);
  write_file(dir / "t.hex", "0\n0\n0\n");
  EXPECT_NE(error_of([&] { read_hex_table(dir / "t.hex", s); }).find("3 lines, expected 4"), std::string::npos);
  write_file(dir / "t.hex", "0\n0\n0\n1g\n");
  EXPECT_NE(error_of([&] { read_hex_table(dir / "t.hex", s); }).find("t.hex:4:1: expected 1 hex digits, got '1g'"),
            std::string::npos);
}
