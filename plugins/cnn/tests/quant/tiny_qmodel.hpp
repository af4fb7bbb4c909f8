// A hand-made int8 network small enough to compute on paper (the expected
// values in integer_model_test.cpp were worked out independently of the
// C++ code), shared by the integer model and qmodel artifact tests.
#pragma once

#include <flowrun_cnn/qmodel.hpp>

#include <cstdint>
#include <vector>

namespace flowrun::cnn::test {

// 1x5x5 input -> conv2d 2 kernel=3 stride=2 padding=1 (3x3x2) -> relu ->
// maxpool 2 stride=1 (2x2x2) -> flatten (8) -> dense 3 -> dense 2.
inline QModel tiny_qmodel() {
  QModel q;
  q.net = parse_network({"conv2d 2 kernel=3 stride=2 padding=1", "relu", "maxpool 2 stride=1", "flatten",
                         "dense 3", "dense 2"},
                        {1, 5, 5}, "tiny");
  q.granularity = "per_channel";
  q.layers.resize(q.net.layers.size());
  QLayer& c = q.layers[0];
  c.weight = {1, -2, 3, 0, 4, -1, -3, 2, 1,      // channel 0, [ky][kx][in]
              -1, 0, 2, 5, -4, 1, 2, 1, -127};   // channel 1
  c.bias = {100, -50};
  c.multiplier = {3, 5};
  c.shift = {4, 6};
  c.weight_scale = {0.01, 0.02};
  c.input_scale = 2.0 / 255.0;
  c.output_scale = 0.05;
  QLayer& d1 = q.layers[4];
  d1.weight = {3, -1, 2, 0, -5, 7, 1, -2,
               -4, 6, 0, 3, 2, -1, -3, 5,
               1, 1, 1, 1, 1, 1, 1, 1};
  d1.bias = {-7, 12, 0};
  d1.multiplier = {11, 11, 11};
  d1.shift = {5, 5, 5};
  d1.weight_scale = {0.03, 0.03, 0.03};
  d1.input_scale = 0.05;
  d1.output_scale = 0.1;
  QLayer& d2 = q.layers[5];
  d2.weight = {2, -3, 1, -1, 4, -2};
  d2.bias = {5, -9};
  d2.weight_scale = {0.04, 0.04};
  d2.input_scale = 0.1;
  return q;
}

inline std::vector<std::uint8_t> tiny_pixels() {
  return {0,   10, 255, 31,  200,  //
          17,  99, 128, 3,   64,   //
          250, 1,  77,  180, 45,   //
          90,  33, 66,  132, 254,  //
          8,   121, 60, 19,  222};
}

}  // namespace flowrun::cnn::test
