// Multiplier tables: reading approx.ga's lut/ (lut.bin, lut.csv) or any
// 256x256 CSV, and the effective signed product table of a mapping
// (docs/approx-cnn.md, "Contract").
#include <flowrun_cnn/lut.hpp>

#include <flowrun/stage.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace flowrun::cnn {

namespace fs = std::filesystem;

namespace {

constexpr int kSide = 256;
constexpr std::size_t kEntries = 65536;

// The value range a table entry must fit: the 16-bit product of an 8x8
// multiplier (two's complement for signed, plain binary for unsigned).
std::int64_t lo_of(LutMapping m) { return m == LutMapping::Signed ? -32768 : 0; }
std::int64_t hi_of(LutMapping m) { return m == LutMapping::Signed ? 32767 : 65535; }

std::string range_text(LutMapping m) {
  return m == LutMapping::Signed ? "-32768..32767 (a signed 16-bit product; mapping signed)"
                                 : "0..65535 (an unsigned 16-bit product; mapping sign_magnitude)";
}

MultiplierTable read_bin(const fs::path& file, LutMapping mapping) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError("cannot open LUT file " + file.string());
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int width = 0;
  if (bytes.size() == kEntries * 2) width = 2;
  else if (bytes.size() == kEntries * 4) width = 4;
  else
    throw StageError(file.string() + ": " + std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(kEntries * 2) + " (256x256 16-bit values) or " + std::to_string(kEntries * 4) +
                     " (256x256 32-bit values)");
  MultiplierTable t;
  t.source = file.string();
  t.raw.resize(kEntries);
  const bool is_signed = mapping == LutMapping::Signed;
  for (std::size_t i = 0; i < kEntries; ++i) {
    std::uint32_t u = 0;
    for (int b = 0; b < width; ++b) u |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * width + b])) << (8 * b);
    std::int64_t v;
    if (width == 2) v = is_signed ? static_cast<std::int16_t>(u) : static_cast<std::int64_t>(u);
    else v = is_signed ? static_cast<std::int32_t>(u) : static_cast<std::int64_t>(u);
    if (v < lo_of(mapping) || v > hi_of(mapping))
      throw StageError(file.string() + ": byte " + std::to_string(i * width) + " (row " + std::to_string(i / kSide) +
                       ", column " + std::to_string(i % kSide) + "): value " + std::to_string(v) + " outside " +
                       range_text(mapping));
    t.raw[i] = v;
  }
  return t;
}

MultiplierTable read_csv(const fs::path& file, LutMapping mapping) {
  std::ifstream in(file);
  if (!in) throw StageError("cannot open LUT file " + file.string());
  MultiplierTable t;
  t.source = file.string();
  t.raw.reserve(kEntries);
  std::string line;
  int row = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank (e.g. trailing) lines
    ++row;
    if (row > kSide)
      throw StageError(file.string() + ": line " + std::to_string(row) + ": more than 256 rows (expected a 256x256 table)");
    const char* p = line.data();
    const char* end = p + line.size();
    int col = 0;
    while (true) {
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      std::int64_t v = 0;
      const auto [next, ec] = std::from_chars(p, end, v);
      if (ec != std::errc())
        throw StageError(file.string() + ": line " + std::to_string(row) + ", column " + std::to_string(col + 1) +
                         ": expected an integer");
      if (v < lo_of(mapping) || v > hi_of(mapping))
        throw StageError(file.string() + ": line " + std::to_string(row) + ", column " + std::to_string(col + 1) +
                         ": value " + std::to_string(v) + " outside " + range_text(mapping));
      t.raw.push_back(v);
      ++col;
      p = next;
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      if (p == end) break;
      if (*p != ',')
        throw StageError(file.string() + ": line " + std::to_string(row) + ", column " + std::to_string(col) +
                         ": expected ',' or the end of the line");
      ++p;
    }
    if (col != kSide)
      throw StageError(file.string() + ": line " + std::to_string(row) + ": " + std::to_string(col) +
                       " values, expected 256");
  }
  if (row != kSide)
    throw StageError(file.string() + ": " + std::to_string(row) + " rows, expected 256 (a 256x256 table)");
  return t;
}

}  // namespace

const char* to_string(LutMapping m) { return m == LutMapping::Signed ? "signed" : "sign_magnitude"; }

LutMapping parse_lut_mapping(const std::string& s, const std::string& what) {
  if (s == "signed") return LutMapping::Signed;
  if (s == "sign_magnitude") return LutMapping::SignMagnitude;
  throw StageError(what + ": mapping '" + s + "', expected signed or sign_magnitude");
}

MultiplierTable read_multiplier_table(const fs::path& path, LutMapping mapping) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "lut.bin")) return read_bin(path / "lut.bin", mapping);
    if (fs::exists(path / "lut.csv")) return read_csv(path / "lut.csv", mapping);
    throw StageError(path.string() + ": a LUT folder needs lut.bin or lut.csv");
  }
  if (!fs::exists(path, ec)) throw StageError("LUT " + path.string() + " does not exist");
  const std::string ext = path.extension().string();
  if (ext == ".bin") return read_bin(path, mapping);
  if (ext == ".csv") return read_csv(path, mapping);
  throw StageError(path.string() + ": unknown LUT file type '" + ext + "', expected a .bin or .csv file or a folder");
}

MultiplierTable exact_multiplier_table(LutMapping mapping) {
  MultiplierTable t;
  t.source = std::string("exact ") + to_string(mapping) + " 8x8 products";
  t.raw.resize(kEntries);
  for (int a = 0; a < kSide; ++a)
    for (int b = 0; b < kSide; ++b) {
      const std::int64_t av = mapping == LutMapping::Signed ? static_cast<std::int8_t>(a) : a;
      const std::int64_t bv = mapping == LutMapping::Signed ? static_cast<std::int8_t>(b) : b;
      t.raw[static_cast<std::size_t>(a) * kSide + b] = av * bv;
    }
  return t;
}

ProductTable effective_table(const MultiplierTable& t, LutMapping mapping, std::vector<std::string> layers) {
  if (t.raw.size() != kEntries)
    throw StageError("LUT " + t.source + ": " + std::to_string(t.raw.size()) + " entries, expected 65536");
  ProductTable p;
  p.layers = std::move(layers);
  p.table.resize(kEntries);
  for (int w = 0; w < kSide; ++w)
    for (int x = 0; x < kSide; ++x) {
      const std::size_t i = static_cast<std::size_t>(w) * kSide + x;
      if (mapping == LutMapping::Signed) {
        p.table[i] = static_cast<std::int32_t>(t.raw[i]);
      } else {
        // Magnitudes into the unsigned multiplier (|-128| = 128 = 0x80), the
        // product negated when exactly one operand's sign bit is set.
        const int sw = static_cast<std::int8_t>(w), sx = static_cast<std::int8_t>(x);
        const int mw = sw < 0 ? -sw : sw, mx = sx < 0 ? -sx : sx;
        const std::int64_t u = t.raw[static_cast<std::size_t>(mw) * kSide + mx];
        p.table[i] = static_cast<std::int32_t>(((sw < 0) != (sx < 0)) ? -u : u);
      }
    }
  return p;
}

}  // namespace flowrun::cnn
