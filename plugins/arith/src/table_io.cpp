#include "table_io.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace flowrun::arith {

namespace {

std::string read_file(const fs::path& file, const char* what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError(file.string() + ": cannot open " + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits into lines without their end-of-line characters ("\n" or "\r\n");
// a final newline does not start another line.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string range_text(const MultShape& s) {
  return "[" + std::to_string(s.min_value()) + ", " + std::to_string(s.max_value()) + "]";
}

std::int64_t from_bits(std::uint64_t bits, const MultShape& s) {
  const int w = s.y_width();
  bits &= (w >= 64) ? ~0ull : ((std::uint64_t{1} << w) - 1);
  if (s.is_signed && ((bits >> (w - 1)) & 1u)) return static_cast<std::int64_t>(bits) - (std::int64_t{1} << w);
  return static_cast<std::int64_t>(bits);
}

}  // namespace

std::vector<std::int64_t> read_lut_folder(const fs::path& dir, const MultShape& shape) {
  const fs::path csv = dir / "lut.csv";
  const std::string where = csv.string();
  const std::string text = read_file(csv, "the LUT table (expected a lut/ folder with lut.csv)");
  const auto lines = lines_of(text);
  if (lines.size() != shape.rows())
    throw StageError(where + ": " + std::to_string(lines.size()) + " rows, expected " +
                     std::to_string(shape.rows()) + " (one per bit pattern of the " +
                     std::to_string(shape.a_width) + "-bit operand a, " + shape.describe() + ")");
  std::vector<std::int64_t> values;
  values.reserve(shape.vectors());
  for (std::size_t r = 0; r < lines.size(); ++r) {
    const std::string_view line = lines[r];
    const std::string at = where + ":" + std::to_string(r + 1) + ":";
    std::size_t pos = 0;
    std::size_t col = 0;
    while (true) {
      std::size_t end = line.find(',', pos);
      if (end == std::string_view::npos) end = line.size();
      std::string_view cell = line.substr(pos, end - pos);
      std::size_t lead = 0;
      while (lead < cell.size() && cell[lead] == ' ') ++lead;
      cell.remove_prefix(lead);
      while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
      std::int64_t v = 0;
      const auto res = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (cell.empty() || res.ec != std::errc() || res.ptr != cell.data() + cell.size())
        throw StageError(at + std::to_string(pos + lead + 1) + ": expected an integer, got '" + std::string(cell) + "'");
      if (v < shape.min_value() || v > shape.max_value())
        throw StageError(at + std::to_string(pos + lead + 1) + ": value " + std::to_string(v) + " is outside the " +
                         std::to_string(shape.y_width()) + "-bit output range " + range_text(shape));
      values.push_back(v);
      ++col;
      if (end == line.size()) break;
      pos = end + 1;
    }
    if (col != shape.cols())
      throw StageError(at + "1: " + std::to_string(col) + " columns, expected " + std::to_string(shape.cols()) +
                       " (one per bit pattern of the " + std::to_string(shape.b_width) + "-bit operand b)");
  }

  const fs::path bin = dir / "lut.bin";
  if (fs::exists(bin)) {
    const std::string data = read_file(bin, "lut.bin");
    const std::size_t bytes = shape.y_width() <= 16 ? 2 : 4;
    if (data.size() != values.size() * bytes)
      throw StageError(bin.string() + ": " + std::to_string(data.size()) + " bytes, expected " +
                       std::to_string(values.size() * bytes) + " (" + std::to_string(values.size()) +
                       " little-endian int" + std::to_string(bytes * 8) + " values)");
    for (std::size_t k = 0; k < values.size(); ++k) {
      std::uint64_t raw = 0;
      for (std::size_t b = 0; b < bytes; ++b)
        raw |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[k * bytes + b])) << (8 * b);
      // int16/int32 for a signed multiplier, uint16/uint32 for an unsigned
      // one (an 8x8 unsigned product reaches 65025).
      std::int64_t v = static_cast<std::int64_t>(raw);
      if (shape.is_signed && ((raw >> (bytes * 8 - 1)) & 1u)) v -= std::int64_t{1} << (bytes * 8);
      if (v != values[k])
        throw StageError(bin.string() + ": entry " + std::to_string(k) + " (row " + std::to_string(k / shape.cols()) +
                         ", column " + std::to_string(k % shape.cols()) + ") is " + std::to_string(v) +
                         " but lut.csv says " + std::to_string(values[k]));
    }
  }
  return values;
}

void write_hex_table(const fs::path& file, const std::vector<std::int64_t>& values, const MultShape& shape) {
  const int digits = (shape.y_width() + 3) / 4;
  const std::uint64_t mask = shape.y_width() >= 64 ? ~0ull : (std::uint64_t{1} << shape.y_width()) - 1;
  std::string out;
  out.reserve(values.size() * static_cast<std::size_t>(digits + 1));
  char buf[24];
  for (std::int64_t v : values) {
    std::snprintf(buf, sizeof buf, "%0*llx\n", digits,
                  static_cast<unsigned long long>(static_cast<std::uint64_t>(v) & mask));
    out += buf;
  }
  std::ofstream os(file, std::ios::binary);
  os << out;
  if (!os.flush()) throw StageError(file.string() + ": cannot write");
}

std::vector<std::int64_t> read_hex_table(const fs::path& file, const MultShape& shape) {
  const std::string text = read_file(file, "the simulated table");
  const auto lines = lines_of(text);
  if (lines.size() != shape.vectors())
    throw StageError(file.string() + ": " + std::to_string(lines.size()) + " lines, expected " +
                     std::to_string(shape.vectors()) + " (one per input pair of the " + shape.describe() +
                     " multiplier)");
  const std::size_t digits = static_cast<std::size_t>((shape.y_width() + 3) / 4);
  std::vector<std::int64_t> values;
  values.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    const std::string at = file.string() + ":" + std::to_string(i + 1) + ":1: ";
    for (char c : line)
      if (c == 'x' || c == 'X' || c == 'z' || c == 'Z')
        throw StageError(at + "output '" + std::string(line) +
                         "' has unknown (x/z) bits: an undriven or uninitialized net in the design");
    std::uint64_t v = 0;
    const auto res = std::from_chars(line.data(), line.data() + line.size(), v, 16);
    if (line.empty() || line.size() > digits || res.ec != std::errc() || res.ptr != line.data() + line.size())
      throw StageError(at + "expected " + std::to_string(digits) + " hex digits, got '" + std::string(line) + "'");
    values.push_back(from_bits(v, shape));
  }
  return values;
}

}  // namespace flowrun::arith
