#include <flowrun_cnn/network.hpp>

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

namespace flowrun::cnn {
namespace {

const std::vector<std::string> kDefault = {
    "conv2d 16 kernel=3 padding=1", "relu", "maxpool 2", "conv2d 32 kernel=3 padding=1",
    "relu", "maxpool 2", "flatten", "dense 128", "relu", "dense 10"};

std::string error_of(const std::vector<std::string>& layers, Shape in = {1, 28, 28}) {
  try {
    parse_network(layers, in, "f.yaml: stage train: param layers");
  } catch (const StageError& e) {
    return e.what();
  }
  return "";
}

TEST(Network, DefaultNetShapesAndNames) {
  const Network n = parse_network(kDefault, {1, 28, 28}, "");
  ASSERT_EQ(n.layers.size(), 10u);
  EXPECT_EQ(n.layers[0].name, "conv1");
  EXPECT_EQ(n.layers[0].out, (Shape{16, 28, 28}));
  EXPECT_EQ(n.layers[2].name, "pool1");
  EXPECT_EQ(n.layers[5].out, (Shape{32, 7, 7}));
  EXPECT_EQ(n.layers[6].name, "flatten");
  EXPECT_EQ(n.layers[7].in.size(), 1568);
  EXPECT_EQ(n.layers[7].name, "dense1");
  EXPECT_EQ(n.classes(), 10);
  EXPECT_EQ(n.layers[3].reduction(), 144);
  EXPECT_EQ(n.macs(), 28L * 28 * 16 * 9 + 14L * 14 * 32 * 144 + 1568L * 128 + 128L * 10);
  EXPECT_EQ(n.weight_count(), 144 + 4608 + 1568 * 128 + 1280);
}

TEST(Network, StrideTwoAndTwoDenseLayers) {
  const Network n = parse_network({"conv2d 8 kernel=5 stride=2 padding=2", "relu",
                                   "conv2d 24 kernel=5 stride=2", "relu", "flatten",
                                   "dense 64", "relu", "dense 32", "relu", "dense 10"},
                                  {1, 28, 28}, "");
  EXPECT_EQ(n.layers[0].out, (Shape{8, 14, 14}));
  EXPECT_EQ(n.layers[2].out, (Shape{24, 5, 5}));
  EXPECT_EQ(n.layers[5].in.size(), 600);
}

TEST(Network, TextAndJsonRoundTrip) {
  const Network n = parse_network(kDefault, {1, 28, 28}, "");
  const Network m = network_from_json(network_to_json(n), "model.json: network");
  ASSERT_EQ(m.layers.size(), n.layers.size());
  for (std::size_t i = 0; i < n.layers.size(); ++i) {
    EXPECT_EQ(m.layers[i].name, n.layers[i].name);
    EXPECT_EQ(m.layers[i].out, n.layers[i].out);
  }
  EXPECT_EQ(network_text(m), network_text(n));
}

TEST(Network, ErrorsNameTheLayerAndShapes) {
  EXPECT_EQ(error_of({"conv2d 16 kernel=3", "dense 10"}),
            "f.yaml: stage train: param layers: layer 2 'dense 10': expects a flattened input, "
            "got 16x26x26 (add 'flatten')");
  EXPECT_NE(error_of({"conv2d 16 kernel=30", "flatten", "dense 10"}).find("does not fit the input 1x28x28"),
            std::string::npos);
  EXPECT_NE(error_of({"conv 16", "flatten", "dense 10"}).find("unknown layer type 'conv'"), std::string::npos);
  EXPECT_NE(error_of({"conv2d x kernel=3", "flatten", "dense 10"}).find("must be an integer, got 'x'"),
            std::string::npos);
  EXPECT_NE(error_of({"conv2d 4 kernel=3 dilation=2", "flatten", "dense 10"}).find("unknown option 'dilation'"),
            std::string::npos);
  EXPECT_NE(error_of({"flatten", "relu", "dense 10"}).find("relu must directly follow"), std::string::npos);
  EXPECT_NE(error_of({"flatten", "dense 10", "relu"}).find("the last layer must be dense"), std::string::npos);
  EXPECT_NE(error_of({}).find("no layers"), std::string::npos);
}

}  // namespace
}  // namespace flowrun::cnn
