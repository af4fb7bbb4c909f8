// The qmodel artifact: what is written is read back unchanged, and every
// broken file is refused with a message naming the file and the field.
#include "random_qmodel.hpp"
#include "tiny_qmodel.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace flowrun::cnn;
using flowrun::StageError;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(CNN_TEST_TMP) / "qmodel_io" / name;
  fs::remove_all(d);
  fs::create_directories(d.parent_path());
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json read_json(const fs::path& p) { return json::parse(slurp(p)); }
void write_json(const fs::path& p, const json& j) { std::ofstream(p) << j.dump(2); }

// Writes the tiny model, lets `edit` break it, and returns read_qmodel's message.
std::string error_after(const std::string& name, const std::function<void(const fs::path&, json&)>& edit) {
  const fs::path d = fresh_dir(name);
  write_qmodel(test::tiny_qmodel(), d);
  json j = read_json(d / "qmodel.json");
  edit(d, j);
  write_json(d / "qmodel.json", j);
  try {
    read_qmodel(d);
  } catch (const StageError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_has(const std::string& msg, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
}

}  // namespace

TEST(QModelIo, RoundTripKeepsEverything) {
  QModel q = test::random_qmodel(5);
  q.rounding = Rounding::Floor;
  q.saturation = Saturation::Wrap;
  q.multiplier_bits = 16;
  q.input_shift = 1;
  q.metrics = {{"int8_test_accuracy", 0.9}};
  q.source = {{"model_sha256", "abc"}};
  const fs::path d = fresh_dir("round_trip");
  write_qmodel(q, d);
  const QModel r = read_qmodel(d);
  EXPECT_EQ(network_text(r.net), network_text(q.net));
  EXPECT_EQ(r.net.input, q.net.input);
  ASSERT_EQ(r.layers.size(), q.layers.size());
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    EXPECT_EQ(r.layers[i].weight, q.layers[i].weight) << i;
    EXPECT_EQ(r.layers[i].bias, q.layers[i].bias) << i;
    EXPECT_EQ(r.layers[i].multiplier, q.layers[i].multiplier) << i;
    EXPECT_EQ(r.layers[i].shift, q.layers[i].shift) << i;
    EXPECT_EQ(r.layers[i].weight_scale, q.layers[i].weight_scale) << i;
    EXPECT_EQ(r.layers[i].input_scale, q.layers[i].input_scale) << i;
    EXPECT_EQ(r.layers[i].output_scale, q.layers[i].output_scale) << i;
  }
  EXPECT_EQ(r.rounding, Rounding::Floor);
  EXPECT_EQ(r.saturation, Saturation::Wrap);
  EXPECT_EQ(r.multiplier_bits, 16);
  EXPECT_EQ(r.granularity, "per_channel");
  EXPECT_EQ(r.input_scale, q.input_scale);
  EXPECT_EQ(r.metrics, q.metrics);
  EXPECT_EQ(r.source, q.source);
  // Same integer results, and writing again gives identical bytes.
  const auto images = test::random_images(q, 5, 1);
  EXPECT_EQ(infer_batch(r, images.data(), 5, 1), infer_batch(q, images.data(), 5, 1));
  const fs::path d2 = fresh_dir("round_trip_again");
  write_qmodel(r, d2);
  for (const auto& e : fs::directory_iterator(d))
    EXPECT_EQ(slurp(e.path()), slurp(d2 / e.path().filename())) << e.path().filename();
}

TEST(QModelIo, FilesAreRawLittleEndianTensors) {
  const fs::path d = fresh_dir("raw");
  write_qmodel(test::tiny_qmodel(), d);
  const json j = read_json(d / "qmodel.json");
  EXPECT_EQ(j["format"], "flowrun.cnn_int8/1");
  EXPECT_EQ(j["layers"]["conv1"]["weight"]["shape"], json({2, 3, 3, 1}));
  EXPECT_EQ(j["layers"]["dense2"]["output_scale"], nullptr);
  const std::string w = slurp(d / "conv1.weight.i8");
  ASSERT_EQ(w.size(), 18u);
  EXPECT_EQ(static_cast<std::int8_t>(w[1]), -2);
  EXPECT_EQ(static_cast<std::int8_t>(w[17]), -127);
  const std::string b = slurp(d / "conv1.bias.i32");
  ASSERT_EQ(b.size(), 8u);
  // -50 = 0xffffffce, least significant byte first
  EXPECT_EQ(static_cast<unsigned char>(b[4]), 0xce);
  EXPECT_EQ(static_cast<unsigned char>(b[7]), 0xff);
}

TEST(QModelIo, RefusesBrokenFiles) {
  expect_has(error_after("format", [](auto&, json& j) { j["format"] = "flowrun.cnn_int8/2"; }),
             {"qmodel.json", "format", "flowrun.cnn_int8/1"});
  expect_has(error_after("network", [](auto&, json& j) { j["network"]["layers"][1] = "relu6"; }),
             {"qmodel.json", "network", "relu6"});
  expect_has(error_after("rounding", [](auto&, json& j) { j["rounding"] = "even"; }),
             {"qmodel.json", "rounding", "nearest", "\"even\""});
  expect_has(error_after("saturation", [](auto&, json& j) { j.erase("saturation"); }),
             {"qmodel.json", "saturation", "missing"});
  expect_has(error_after("input_shift", [](auto&, json& j) { j["input_shift"] = 0; }),
             {"qmodel.json", "input_shift", "[1, 7]"});
  expect_has(error_after("mbits", [](auto&, json& j) { j["multiplier_bits"] = 40; }),
             {"qmodel.json", "multiplier_bits", "[2, 32]"});
  expect_has(error_after("missing_layer", [](auto&, json& j) { j["layers"].erase("dense1"); }),
             {"qmodel.json", "layers.dense1", "missing"});
  expect_has(error_after("extra_layer", [](auto&, json& j) { j["layers"]["pool1"] = j["layers"]["dense1"]; }),
             {"qmodel.json", "layers.pool1"});
  expect_has(error_after("shape", [](auto&, json& j) { j["layers"]["conv1"]["weight"]["shape"] = {2, 9}; }),
             {"qmodel.json", "layers.conv1.weight.shape", "[2,3,3,1]"});
  expect_has(error_after("escape", [](auto&, json& j) { j["layers"]["conv1"]["weight"]["file"] = "../x.i8"; }),
             {"qmodel.json", "layers.conv1.weight.file", "plain file name"});
  expect_has(error_after("no_file", [](const fs::path& d, json&) { fs::remove(d / "dense1.bias.i32"); }),
             {"dense1.bias.i32", "cannot read"});
  expect_has(error_after("size", [](const fs::path& d, json&) { std::ofstream(d / "dense1.weight.i8") << "xyz"; }),
             {"dense1.weight.i8", "expected 24 bytes", "got 3"});
  expect_has(error_after("minus128",
                         [](const fs::path& d, json&) {
                           std::fstream f(d / "dense1.weight.i8", std::ios::in | std::ios::out | std::ios::binary);
                           f.seekp(5);
                           f.put(static_cast<char>(0x80));
                         }),
             {"dense1.weight.i8", "byte 5", "[-127, 127]", "-128"});
  expect_has(error_after("m_zero", [](auto&, json& j) { j["layers"]["conv1"]["multiplier"][1] = 0; }),
             {"qmodel.json", "layers.conv1.multiplier[1]", "[1, 2147483647]", "got 0"});
  expect_has(error_after("m_16",
                         [](auto&, json& j) {
                           j["multiplier_bits"] = 16;
                           j["layers"]["dense1"]["multiplier"][2] = 32768;
                         }),
             {"qmodel.json", "layers.dense1.multiplier[2]", "[1, 32767]", "32768"});
  expect_has(error_after("shift_big", [](auto&, json& j) { j["layers"]["conv1"]["shift"][0] = 63; }),
             {"qmodel.json", "layers.conv1.shift[0]", "[0, 62]"});
  expect_has(error_after("shift_neg", [](auto&, json& j) { j["layers"]["conv1"]["shift"][0] = -1; }),
             {"qmodel.json", "layers.conv1.shift[0]", "[0, 62]"});
  expect_has(error_after("m_len", [](auto&, json& j) { j["layers"]["dense1"]["multiplier"].erase(0); }),
             {"qmodel.json", "layers.dense1.multiplier", "3 values", "got 2"});
  expect_has(error_after("ws_len", [](auto&, json& j) { j["layers"]["conv1"]["weight_scale"].push_back(1.0); }),
             {"qmodel.json", "layers.conv1.weight_scale", "2 values", "got 3"});
  expect_has(error_after("ws_neg", [](auto&, json& j) { j["layers"]["conv1"]["weight_scale"][0] = -1.0; }),
             {"qmodel.json", "layers.conv1.weight_scale[0]", "positive"});
  expect_has(error_after("last_scale", [](auto&, json& j) { j["layers"]["dense2"]["output_scale"] = 0.5; }),
             {"qmodel.json", "layers.dense2.output_scale", "null"});
  expect_has(error_after("last_mult", [](auto&, json& j) { j["layers"]["dense2"]["multiplier"] = {1, 1}; }),
             {"qmodel.json", "layers.dense2.multiplier"});
  expect_has(error_after("per_tensor", [](auto&, json& j) { j["granularity"] = "per_tensor"; }),
             {"qmodel.json", "layers.conv1.multiplier[1]", "per_tensor"});
  expect_has(error_after("bias_size", [](const fs::path& d, json&) { std::ofstream(d / "conv1.bias.i32") << "1234"; }),
             {"conv1.bias.i32", "expected 8 bytes", "got 4"});
  expect_has(error_after("out_scale", [](auto&, json& j) { j["layers"]["dense1"]["output_scale"] = 0; }),
             {"qmodel.json", "layers.dense1.output_scale", "positive"});
  expect_has(error_after("in_scale", [](auto&, json& j) { j["layers"]["conv1"].erase("input_scale"); }),
             {"qmodel.json", "layers.conv1.input_scale", "missing"});
  expect_has(error_after("top_scale", [](auto&, json& j) { j["input_scale"] = "big"; }),
             {"qmodel.json", "input_scale", "positive"});
  expect_has(error_after("not_json", [](const fs::path& d, json&) {}), {"(no error)"});  // untouched: fine
  const fs::path d = fresh_dir("garbage");
  write_qmodel(test::tiny_qmodel(), d);
  std::ofstream(d / "qmodel.json") << "{\"format\": ";
  try {
    read_qmodel(d);
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    expect_has(e.what(), {"qmodel.json", "byte", "not valid JSON"});
  }
}

TEST(QModelIo, RefusesAnAccumulatorThatCanOverflow) {
  // |bias| + 128 * sum|w|: dense1 channel 0 has sum|w| = 21, so a bias of
  // 2^31 - 1 - 128*21 is the largest that fits.
  const fs::path d = fresh_dir("overflow");
  QModel q = test::tiny_qmodel();
  q.layers[4].bias[0] = 2147483647 - 128 * 21;
  write_qmodel(q, d);
  EXPECT_NO_THROW(read_qmodel(d));
  EXPECT_EQ(accumulator_bound(q.layers[4], 8), 2147483647);
  // One more and it is refused, on write and on read.
  q.layers[4].bias[0] += 1;
  try {
    write_qmodel(q, fresh_dir("overflow2"));
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    expect_has(e.what(), {"layers.dense1", "overflow", "2147483648"});
  }
  EXPECT_FALSE(fs::exists(fresh_dir("overflow2") / "qmodel.json"));
  std::fstream f(d / "dense1.bias.i32", std::ios::in | std::ios::out | std::ios::binary);
  const std::uint32_t u = static_cast<std::uint32_t>(q.layers[4].bias[0]);
  for (int k = 0; k < 4; ++k) f.put(static_cast<char>(u >> (8 * k)));
  f.close();
  try {
    read_qmodel(d);
    FAIL() << "expected a StageError";
  } catch (const StageError& e) {
    expect_has(e.what(), {"qmodel.json", "layers.dense1", "overflow"});
  }
}

TEST(QModelIo, WriteRefusesInconsistentModels) {
  QModel q = test::tiny_qmodel();
  q.layers[0].weight.pop_back();
  EXPECT_THROW(write_qmodel(q, fresh_dir("inconsistent")), StageError);
  q = test::tiny_qmodel();
  q.layers[0].weight[3] = -128;
  EXPECT_THROW(write_qmodel(q, fresh_dir("inconsistent")), StageError);
  q = test::tiny_qmodel();
  q.layers[1].bias = {1};  // relu has no bias
  EXPECT_THROW(write_qmodel(q, fresh_dir("inconsistent")), StageError);
  EXPECT_THROW(read_qmodel(fresh_dir("nothing")), StageError);
}
