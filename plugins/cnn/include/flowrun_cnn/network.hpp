// The network description shared by every CNN stage: what a flow's
// `layers` param says, with every layer's shapes inferred and checked.
//
// Text form (one string per layer, as written in a flow):
//   "conv2d 16 kernel=3 stride=1 padding=1"   out channels, square kernel
//   "relu"
//   "maxpool 2"                               window 2, stride = window
//   "maxpool 3 stride=2"
//   "flatten"
//   "dense 128"                               output units
//
// Memory layout used everywhere (trainer, integer model, hardware):
// activations are channel-last, element (y, x, c) of an H×W×C map at index
// (y*W + x)*C + c; flatten is therefore free and dense layers see inputs in
// that order. Conv weights are [out][ky][kx][in], dense weights [out][in].
//
// Rules the parser enforces (so every described net maps onto hardware):
// the first layer is conv2d or flatten; relu directly follows conv2d or
// dense (it is fused into their output stage); maxpool follows conv2d or
// relu; dense needs a flattened input (flatten once, before the first
// dense); the last layer is dense (its outputs are the logits).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flowrun::cnn {

// Shape of an activation map; a vector of N values is {N, 1, 1}.
struct Shape {
  int channels = 0;
  int height = 0;
  int width = 0;
  long size() const { return static_cast<long>(channels) * height * width; }
  bool operator==(const Shape&) const = default;
};
std::string to_string(const Shape& s);  // "16x28x28" (C×H×W)

enum class LayerType { Conv2d, Relu, MaxPool, Flatten, Dense };
const char* to_string(LayerType t);  // "conv2d", "relu", ...

struct Layer {
  LayerType type = LayerType::Relu;
  // Unique name, a legal identifier: conv1, conv2, relu1, pool1, flatten,
  // dense1, ... (numbered per type in order). Tensor files, Verilog modules
  // and messages use it.
  std::string name;
  int out_channels = 0;  // conv2d: filters; dense: output units
  int kernel = 0;        // conv2d: kernel size; maxpool: window
  int stride = 1;        // conv2d, maxpool
  int padding = 0;       // conv2d: zeros on every side
  Shape in;              // inferred
  Shape out;             // inferred
  std::string text;      // the layer as written in the flow

  bool has_weights() const { return type == LayerType::Conv2d || type == LayerType::Dense; }
  // Multiply-accumulates per output value (conv: K*K*Cin, dense: inputs).
  long reduction() const;
  long weight_count() const;  // conv: out*K*K*in; dense: out*in; else 0
  long macs() const { return has_weights() ? reduction() * out.size() : 0; }
};

struct Network {
  Shape input;
  std::vector<Layer> layers;
  int classes() const { return layers.empty() ? 0 : layers.back().out_channels; }
  long macs() const;
  long weight_count() const;
  const Layer* find(const std::string& name) const;
};

// Parses and checks a layer list. `where` prefixes messages (e.g.
// "flow.yaml: stage train: param layers"); errors are flowrun::StageError
// naming the layer index and text, and for shape mismatches the shapes:
//   "...: layer 5 'dense 128': expects a flattened input, got 32x7x7 (add 'flatten')".
Network parse_network(const std::vector<std::string>& layers, const Shape& input,
                      const std::string& where);

// The layer list as text again (parse_network(network_text(n)) == n).
std::vector<std::string> network_text(const Network& net);

// JSON form stored in model artifacts:
//   {"input": [C, H, W], "layers": ["conv2d 16 kernel=3 stride=1 padding=1", ...]}
// plus, for readers, per layer {"name", "type", "in", "out"} under "shapes".
nlohmann::json network_to_json(const Network& net);
// `what` names the source in messages (file and field).
Network network_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace flowrun::cnn
