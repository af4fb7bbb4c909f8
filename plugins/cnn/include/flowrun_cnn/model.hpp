// The float CNN `model` artifact, written by trainer.cnn and read by
// quantizer.int8 (and by anyone with numpy: the tensors are raw float32).
//
// A folder:
//   model.json  {"format": "flowrun.cnn/1",
//                "network": {"input": [1, 28, 28], "layers": ["conv2d 16 kernel=3 ...", ...]},
//                "tensors": {"conv1.weight": {"file": "conv1.weight.f32", "shape": [16, 3, 3, 1]},
//                            "conv1.bias":   {"file": "conv1.bias.f32",   "shape": [16]}, ...},
//                "input_scale": 0.00392156862745098,   // float input = pixel * input_scale
//                "metrics": {...}, "source": {...}}
//   <layer>.weight.f32, <layer>.bias.f32
//               little-endian IEEE float32, row-major in the shape given
//               (conv [out][ky][kx][in], dense [out][in]; network.hpp).
// In numpy: np.fromfile("conv1.weight.f32", "<f4").reshape(16, 3, 3, 1).
#pragma once

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/network.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

namespace flowrun::cnn {

inline constexpr const char* kModelFormat = "flowrun.cnn/1";

struct LayerParams {
  std::vector<float> weight;  // Layer::weight_count() values; empty for layers without
  std::vector<float> bias;    // out_channels values
};

struct CnnModel {
  Network net;
  std::vector<LayerParams> params;  // one per layer of net (empty for relu, pool, flatten)
  double input_scale = 1.0 / 255.0;
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json source = nlohmann::json::object();
};

void write_model(const CnnModel& model, const std::filesystem::path& dir);
// Checks format, network, every tensor's shape and file size, and that
// every value is finite; errors name the file and tensor.
CnnModel read_model(const std::filesystem::path& dir);

// Float inference (the trainer's own forward pass) of `count` images of
// `pixels` (channel-last bytes). Returns count*classes logits, row-major.
// When `activations` is given it receives, per layer, the layer's float
// outputs for every image (count*out.size(), channel-last), which the
// quantizer uses to calibrate activation ranges.
std::vector<float> float_forward(const CnnModel& model, const std::uint8_t* pixels, long count,
                                 int threads,
                                 std::vector<std::vector<float>>* activations = nullptr);

}  // namespace flowrun::cnn
