// Approximate multipliers in the int8 network: multiplier tables (the `lut`
// artifact of approx.ga or any 256x256 CSV), how an int8 product maps onto
// them, fast LUT inference and the operand-distribution profile.
//
// The mapping (docs/approx-cnn.md, "Contract"): every conv2d/dense product
// w * x (w the int8 weight, x the int8 activation) becomes
//   signed          T[w & 0xff][x & 0xff]   (T: signed 8x8 multiplier, a = w, b = x)
//   sign_magnitude  sign(w) * sign(x) * U[|w|][|x|]   (U: unsigned 8x8 multiplier)
// Both reduce to one effective signed table E, index (w & 0xff) * 256 +
// (x & 0xff): the ProductTable of qmodel.hpp, so infer() with it is the
// reference. Zero-padding taps are products with x = 0 (E[w][0]).
#pragma once

#include <flowrun_cnn/qmodel.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace flowrun::cnn {

enum class LutMapping { Signed, SignMagnitude };
const char* to_string(LutMapping m);
// "signed" | "sign_magnitude"; anything else throws StageError naming `what`.
LutMapping parse_lut_mapping(const std::string& s, const std::string& what);

// The 65,536 raw entries of a multiplier table, row-major: raw[a * 256 + b]
// with a, b the operands' bit patterns (a = the weight operand).
struct MultiplierTable {
  std::vector<std::int64_t> raw;
  std::string source;  // file it was read from (for messages)
};

// Reads a table: a folder (lut.bin, else lut.csv) or a .bin / .csv file.
// lut.bin: 131072 bytes (16-bit) or 262144 bytes (32-bit) little-endian,
// signed for LutMapping::Signed, unsigned for SignMagnitude. CSV: 256 lines
// of 256 decimal integers. Values must fit the product's range (signed:
// int16, sign_magnitude: 0..65535). Errors name the file, the line / byte
// and what was expected.
MultiplierTable read_multiplier_table(const std::filesystem::path& path, LutMapping mapping);

// The exact 8x8 table of the mapping (signed: a*b over int8 patterns,
// sign_magnitude: a*b over 0..255).
MultiplierTable exact_multiplier_table(LutMapping mapping);

// The effective signed table E (65536 int32) for the integer model; the
// ProductTable's layers are `layers` (empty: every conv2d/dense layer).
ProductTable effective_table(const MultiplierTable& t, LutMapping mapping, std::vector<std::string> layers = {});

// Fast integer inference with per-layer product tables. Same results as
// infer() with the same ProductTable (bit for bit, including int32
// wrap-around of the accumulator), much faster: conv layers add
// precomputed per-tap rows E[w[o][k]][x] - E[w[o][k]][0] for every output
// channel at once (zero activations and padding cost nothing: their
// products are folded into a per-channel constant), dense layers look up
// E[x] rows transposed by activation. Exact layers use the same machinery
// with the exact table.
class LutEngine {
 public:
  // `products` may be null or empty (exact int8 everywhere). q must outlive
  // the engine; the table is copied into the prepared rows. Layers whose
  // rows would exceed max_row_bytes use the gather form.
  static constexpr std::size_t kDefaultMaxRowBytes = std::size_t{32} << 20;
  LutEngine(const QModel& q, const ProductTable* products, std::size_t max_row_bytes = kDefaultMaxRowBytes);
  ~LutEngine();
  LutEngine(LutEngine&&) noexcept;

  // count * classes logits, row-major; images split into contiguous slices
  // over `threads` threads (results independent of the thread count).
  std::vector<std::int32_t> infer_batch(const std::uint8_t* pixels, long count, int threads) const;

  // One weighted layer on n images of int8 input (n * in.size(), channel-
  // last): the int32 accumulators (bias + sum of table products), n *
  // out.size() values. `layer` indexes q.net.layers. Thread-safe.
  void accumulate(int layer, const std::int8_t* in, int n, std::int32_t* acc) const;
  // True when `layer` multiplies through the table (false: exact).
  bool tabled(int layer) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// How often the network multiplies each operand pair: counts[a * 256 + b]
// in the index space of the mapping's table (signed: w & 0xff, x & 0xff;
// sign_magnitude: |w|, |x|), over the exact int8 network's activations on
// the images, every table layer (`layers`, empty: all) and every tap
// (padding as x = 0).
struct OperandCounts {
  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(65536, 0);
  nlohmann::json per_layer = nlohmann::json::object();  // layer -> products counted
  std::uint64_t products = 0;
  long images = 0;
};
OperandCounts count_operands(const QModel& q, const std::uint8_t* pixels, long count, LutMapping mapping,
                             const std::vector<std::string>& layers, int threads);
// counts.csv (256 lines x 256 values) and counts.json (docs/approx-cnn.md).
void write_operand_counts(const OperandCounts& c, LutMapping mapping, const std::string& split,
                          const std::filesystem::path& dir);

}  // namespace flowrun::cnn
