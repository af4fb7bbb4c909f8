// The int8 CNN (`qmodel` artifact) and THE bit-exact integer model.
//
// Everything that needs integer results — the quantizer's accuracy, the
// testbench's expected logits, later LUT (approximate-multiplier)
// evaluation — calls infer() below. The hardware rtl.cnn generates
// implements exactly this arithmetic:
//
//   input     x0[i] = pixel[i] >> 1                 (0..127, scale 2/255)
//   conv/dense acc[o] = bias[o] + sum_k w[o][k] * x[k]   int8*int8 products,
//                                                        int32 accumulation
//             (conv: zero padding contributes 0; k runs over ky, kx, c)
//   requant   y[o] = sat8((acc[o] * M[o] + r) >>> s[o])   64-bit product,
//                 arithmetic shift; r = 1 << (s[o]-1) for rounding
//                 "nearest" (ties toward +inf), r = 0 for "floor"
//                 and whenever s[o] = 0 (nothing is shifted out);
//                 sat8 clamps to [-128, 127] ("saturate") or keeps the low
//                 8 bits as two's complement ("wrap")
//   relu      y = max(y, 0)  (fused: relu directly follows conv/dense)
//   maxpool   max over the window (int8)
//   last dense  logits = acc (int32, no requantization); class = index of
//             the largest logit, the lowest index on ties
//
// M[o] is a positive integer below 2^(multiplier_bits-1), s[o] in [0, 62];
// per-tensor quantization repeats one M and s for every channel.
//
// Artifact: a folder
//   qmodel.json {"format": "flowrun.cnn_int8/1",
//                "network": {...network_to_json...},
//                "input_scale": 0.00784313725490196,  "input_shift": 1,
//                "rounding": "nearest", "saturation": "saturate",
//                "granularity": "per_tensor" | "per_channel",
//                "multiplier_bits": 32,
//                "layers": {"conv1": {"weight": {"file": "conv1.weight.i8", "shape": [16,3,3,1]},
//                                     "bias": {"file": "conv1.bias.i32", "shape": [16]},
//                                     "weight_scale": [...], "input_scale": s,
//                                     "output_scale": s | null (last layer),
//                                     "multiplier": [...], "shift": [...]}, ...},
//                "metrics": {...}, "source": {...}}
//   *.i8   int8 weights, row-major (network.hpp layouts)
//   *.i32  little-endian int32 biases
#pragma once

#include <flowrun_cnn/network.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::cnn {

inline constexpr const char* kQModelFormat = "flowrun.cnn_int8/1";

enum class Rounding { Nearest, Floor };
enum class Saturation { Saturate, Wrap };
const char* to_string(Rounding r);
const char* to_string(Saturation s);

struct QLayer {
  std::vector<std::int8_t> weight;       // Layer::weight_count(); empty for layers without
  std::vector<std::int32_t> bias;        // out_channels
  std::vector<std::int64_t> multiplier;  // out_channels (empty for the last layer)
  std::vector<int> shift;                // out_channels (empty for the last layer)
  // Real-valued scales, for reference and reporting (not used by infer()).
  std::vector<double> weight_scale;      // out_channels
  double input_scale = 0;
  double output_scale = 0;               // 0 for the last layer
};

struct QModel {
  Network net;
  std::vector<QLayer> layers;  // one per net layer (empty for relu, pool, flatten)
  int input_shift = 1;         // x0 = pixel >> input_shift
  double input_scale = 2.0 / 255.0;
  Rounding rounding = Rounding::Nearest;
  Saturation saturation = Saturation::Saturate;
  std::string granularity = "per_tensor";
  int multiplier_bits = 32;
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json source = nlohmann::json::object();
};

void write_qmodel(const QModel& q, const std::filesystem::path& dir);
// Checks format, network, file sizes, ranges (|w| <= 127, 0 < M <
// 2^(multiplier_bits-1), 0 <= s <= 62) and that no accumulator can
// overflow int32; errors name the file and the field.
QModel read_qmodel(const std::filesystem::path& dir);
// The checks of read_qmodel on a model in memory (vector lengths against
// the network, ranges, per-tensor models repeating one M and s, the int32
// accumulator bound |bias| + 128 * sum|w| <= 2^31 - 1 per output); throws
// StageError prefixed with `what`. write_qmodel calls it first.
void check_qmodel(const QModel& q, const std::string& what);
// The largest |bias[o]| + 128 * sum_k |w[o][k]| of a layer: no int32
// accumulator (including every partial sum, in any order) can exceed it.
std::int64_t accumulator_bound(const QLayer& l, long reduction);

// The requantization step, exactly as above (shared with the RTL compiler's
// own checks).
std::int32_t requantize(std::int64_t acc, std::int64_t multiplier, int shift, Rounding rounding,
                        Saturation saturation);

// Products of the multiply-accumulate: exact int8*int8 by default, or a
// 256x256 table indexed [(w & 0xff) * 256 + (x & 0xff)] (an approximate
// multiplier as a LUT). `layers` selects which layers use the table (empty:
// all layers with weights).
struct ProductTable {
  std::vector<std::int32_t> table;   // 65536 entries, or empty for exact
  std::vector<std::string> layers;
};

// Integer inference of one image (pixels: channel-last bytes of
// net.input). Returns the classes() int32 logits. When `trace` is given it
// receives every layer's output (int8 values widened to int32, the logits
// for the last layer).
std::vector<std::int32_t> infer(const QModel& q, const std::uint8_t* pixels,
                                const ProductTable* products = nullptr,
                                std::vector<std::vector<std::int32_t>>* trace = nullptr);
// argmax with the lowest index on ties
int predicted_class(const std::vector<std::int32_t>& logits);

// Many images on `threads` threads: count*classes logits, row-major.
std::vector<std::int32_t> infer_batch(const QModel& q, const std::uint8_t* pixels, long count,
                                      int threads, const ProductTable* products = nullptr);

}  // namespace flowrun::cnn
