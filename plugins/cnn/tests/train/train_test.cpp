// Training (determinism, learning, both nets of the issue), the model
// artifact and the trainer.cnn stage through a FakeContext.
#include "../data/fake_context.hpp"
#include "../data/test_util.hpp"
#include "train/trainer.hpp"

#include "data/rng.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>

#include <flowrun/plugin.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace flowrun;
using namespace flowrun::cnn;
using flowrun::cnn::test::FakeContext;
using flowrun::cnn::test::read_bytes;
using flowrun::cnn::test::temp_dir;
using flowrun::cnn::test::write_bytes;

namespace {

const std::vector<std::string> kDefaultNet = {"conv2d 16 kernel=3 padding=1", "relu", "maxpool 2",
                                              "conv2d 32 kernel=3 padding=1", "relu", "maxpool 2",
                                              "flatten", "dense 128", "relu", "dense 10"};
const std::vector<std::string> kSecondNet = {"conv2d 8 kernel=5 stride=2 padding=2", "relu",
                                             "conv2d 24 kernel=5 stride=2", "relu", "flatten", "dense 64",
                                             "relu", "dense 32", "relu", "dense 10"};

// A learnable synthetic set: class c is a bright 6x6 square at one of ten
// positions plus noise, 28x28, one channel.
ImageSet synthetic(long train, long test, std::uint64_t seed) {
  ImageSet s;
  s.shape = {1, 28, 28};
  s.classes = 10;
  for (int c = 0; c < 10; ++c) s.class_names.push_back("c" + std::to_string(c));
  Rng rng(seed);
  const auto fill = [&](ImageSplit& sp, long n) {
    sp.count = n;
    sp.pixels.resize(n * 784);
    sp.labels.resize(n);
    for (long i = 0; i < n; ++i) {
      const int c = static_cast<int>(rng.below(10));
      sp.labels[i] = static_cast<std::uint8_t>(c);
      const int y0 = 2 + (c / 5) * 12 + static_cast<int>(rng.below(4)), x0 = 2 + (c % 5) * 5;
      for (int k = 0; k < 784; ++k) sp.pixels[i * 784 + k] = static_cast<std::uint8_t>(rng.below(90));
      for (int y = y0; y < y0 + 6; ++y)
        for (int x = x0; x < std::min(28, x0 + 4); ++x) sp.pixels[i * 784 + y * 28 + x] = 230;
    }
  };
  fill(s.train, train);
  fill(s.test, test);
  return s;
}

ImageSet fashion(long train, long test) {
  ImageSet s;
  s.shape = {1, 28, 28};
  s.classes = 10;
  for (int c = 0; c < 10; ++c) s.class_names.push_back(std::to_string(c));
  const std::string d = test::kFashionDir;
  const auto take = [](ImageSplit& sp, const IdxArray& img, const IdxArray& lab, long n) {
    sp.count = n;
    sp.pixels.assign(img.data.begin(), img.data.begin() + n * 784);
    sp.labels.assign(lab.data.begin(), lab.data.begin() + n);
  };
  take(s.train, read_idx(d + "/train-images-idx3-ubyte.gz"), read_idx(d + "/train-labels-idx1-ubyte.gz"), train);
  take(s.test, read_idx(d + "/t10k-images-idx3-ubyte.gz"), read_idx(d + "/t10k-labels-idx1-ubyte.gz"), test);
  return s;
}

const Stage& stage(const std::string& kind) {
  for (const auto& s : detail::plugin_registry())
    if (s->spec().kind == kind) return *s;
  throw std::runtime_error("stage " + kind + " not registered");
}

std::string model_bytes(const CnnModel& m, const std::filesystem::path& dir) {
  write_model(m, dir);
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(dir)) all += e.path().filename().string() + read_bytes(e.path());
  return all;
}

}  // namespace

TEST(Training, SameSeedSameBytesForAnyThreadCount) {
  const auto dir = temp_dir();
  const ImageSet data = synthetic(300, 50, 1);
  const Network net = parse_network(kDefaultNet, data.shape, "test");
  train::TrainOptions o;
  o.epochs = 1;
  o.batch_size = 70;  // slices of 24, 23, 23; the last batch (20) one slice
  o.threads = 1;
  const auto a = train::train_cnn(net, data, o);
  o.threads = 2;
  const auto b = train::train_cnn(net, data, o);
  o.threads = 3;
  const auto c = train::train_cnn(net, data, o);
  const std::string bytes = model_bytes(a.model, dir / "a");
  EXPECT_EQ(bytes, model_bytes(b.model, dir / "b"));
  EXPECT_EQ(bytes, model_bytes(c.model, dir / "c"));
  EXPECT_EQ(a.curve[0].train_loss, c.curve[0].train_loss);
  o.seed = 2;
  EXPECT_NE(bytes, model_bytes(train::train_cnn(net, data, o).model, dir / "d"));
}

TEST(Training, BothNetsLearnSyntheticShapes) {
  const ImageSet data = synthetic(2000, 500, 5);
  for (const auto* layers : {&kDefaultNet, &kSecondNet}) {
    const Network net = parse_network(*layers, data.shape, "test");
    train::TrainOptions o;
    o.epochs = 2;
    o.threads = 2;
    const auto r = train::train_cnn(net, data, o);
    ASSERT_EQ(r.curve.size(), 2u);
    EXPECT_GT(*r.curve.back().test_accuracy, 0.95) << (*layers)[0];
    EXPECT_LT(r.curve[1].train_loss, r.curve[0].train_loss) << (*layers)[0];
    EXPECT_FALSE(r.curve.back().val_accuracy.has_value());  // empty val split
  }
}

TEST(Training, SgdWithMomentumLearns) {
  const ImageSet data = synthetic(1500, 300, 9);
  const Network net = parse_network(kSecondNet, data.shape, "test");
  train::TrainOptions o;
  o.epochs = 2;
  o.optimizer = "sgd";
  o.learning_rate = 0.02;
  o.weight_decay = 1e-4;
  const auto r = train::train_cnn(net, data, o);
  EXPECT_GT(*r.curve.back().test_accuracy, 0.9);
}

TEST(Training, CosineScheduleGoesFromTheRateToNearZero) {
  train::TrainOptions o;
  o.learning_rate = 0.01;
  EXPECT_EQ(train::learning_rate_at(o, 1, 100), 0.01);
  EXPECT_EQ(train::learning_rate_at(o, 100, 100), 0.01);  // constant
  o.lr_schedule = "cosine";
  EXPECT_DOUBLE_EQ(train::learning_rate_at(o, 1, 100), 0.01);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(o, 51, 100), 0.005);
  double prev = 1;
  for (long t = 1; t <= 100; ++t) {
    const double lr = train::learning_rate_at(o, t, 100);
    EXPECT_LT(lr, prev) << t;
    EXPECT_GT(lr, 0) << t;
    prev = lr;
  }
  EXPECT_LT(prev, 0.01 * 1e-3);
  EXPECT_DOUBLE_EQ(train::learning_rate_at(o, 1, 1), 0.01);
  o.lr_schedule = "step";
  try {
    train::learning_rate_at(o, 1, 10);
    FAIL() << "accepted an unknown schedule";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("lr_schedule must be constant or cosine, got 'step'"), std::string::npos);
  }
  const ImageSet data = synthetic(20, 5, 3);
  EXPECT_THROW(train::train_cnn(parse_network({"flatten", "dense 10"}, data.shape, "t"), data, o), StageError);
}

// Plain SGD (no momentum) over two batches: step 1 is the same for both
// schedules, step 2 of the cosine schedule (t = 2 of T = 2) moves every
// weight by half the constant schedule's step.
TEST(Training, OptimizerStepsWithTheScheduledRate) {
  const ImageSet data = synthetic(128, 10, 4);
  const Network net = parse_network({"conv2d 4 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 10"},
                                    data.shape, "test");
  train::TrainOptions o;
  o.epochs = 1;
  o.batch_size = 64;
  o.optimizer = "sgd";
  o.momentum = 0;
  o.learning_rate = 0.05;
  const auto run = [&](const std::string& schedule, std::vector<float>& before_step2) {
    o.lr_schedule = schedule;
    train::TrainHooks h;
    const long total = train::ParamLayout(net).total;
    h.batch_params = [&](int, long b, const float* p) {
      if (b == 2) before_step2.assign(p, p + total);
      return p;
    };
    const CnnModel m = train::train_cnn(net, data, o, h).model;
    return train::flat_params(m, train::ParamLayout(net));
  };
  std::vector<float> c1, k1;
  const auto c2 = run("constant", c1);
  const auto k2 = run("cosine", k1);
  ASSERT_EQ(c1, k1) << "step 1 uses the full rate in both";
  double moved = 0;
  for (std::size_t i = 0; i < c1.size(); ++i) {
    const double dc = c2[i] - c1[i], dk = k2[i] - k1[i];
    EXPECT_NEAR(dk, 0.5 * dc, 1e-6 + 1e-3 * std::abs(dc)) << i;
    moved += std::abs(dc);
  }
  EXPECT_GT(moved, 1e-3) << "step 2 changed the weights";
}

TEST(Training, LearnsFashionMnist) {
  if (!test::have_fashion()) GTEST_SKIP() << "install the Debian package dataset-fashion-mnist";
  const ImageSet data = fashion(2000, 1000);
  for (const auto* layers : {&kDefaultNet, &kSecondNet}) {
    const Network net = parse_network(*layers, data.shape, "test");
    train::TrainOptions o;
    o.epochs = 1;
    o.threads = 2;
    const auto r = train::train_cnn(net, data, o);
    // Chance is 0.1; 2000 images for one epoch reach ~0.7.
    EXPECT_GT(*r.curve[0].test_accuracy, 0.6) << (*layers)[0];
    // The model's own inference agrees with the accuracy seen in training.
    const auto logits = float_forward(r.model, data.test.pixels.data(), data.test.count, 2);
    EXPECT_DOUBLE_EQ(train::accuracy(logits, data.test.labels, 10), *r.curve[0].test_accuracy);
  }
}

TEST(ModelIo, RoundTripAndErrors) {
  const auto dir = temp_dir();
  const Network net = parse_network(kSecondNet, {1, 28, 28}, "test");
  const train::ParamLayout lay(net);
  const auto flat = train::init_params(net, lay, 3);
  CnnModel m = train::to_model(net, lay, flat.data(), 1.0 / 255.0);
  m.metrics = {{"test_accuracy", 0.5}};
  write_model(m, dir / "m");
  const CnnModel r = read_model(dir / "m");
  EXPECT_EQ(network_text(r.net), network_text(net));
  ASSERT_EQ(r.params.size(), m.params.size());
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    EXPECT_EQ(r.params[i].weight, m.params[i].weight);
    EXPECT_EQ(r.params[i].bias, m.params[i].bias);
  }
  EXPECT_EQ(r.input_scale, m.input_scale);
  EXPECT_EQ(r.metrics, m.metrics);
  // The tensor layout of model.hpp: conv [out][ky][kx][in], raw float32.
  EXPECT_EQ(std::filesystem::file_size(dir / "m" / "conv2.weight.f32"), 24u * 5 * 5 * 8 * 4);

  const std::string mj = (dir / "m" / "model.json").string();
  const auto err = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& file_edit = "") {
    std::filesystem::remove_all(dir / "e");
    std::filesystem::copy(dir / "m", dir / "e");
    nlohmann::json j = nlohmann::json::parse(read_bytes(dir / "m" / "model.json"));
    edit(j);
    write_bytes(dir / "e" / "model.json", j.dump());
    if (!file_edit.empty()) write_bytes(dir / "e" / "dense3.bias.f32", file_edit);
    try {
      read_model(dir / "e");
    } catch (const StageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string e = (dir / "e" / "model.json").string();
  EXPECT_EQ(err([](auto& j) { j["format"] = "flowrun.cnn/0"; }),
            e + ": \"format\" is \"flowrun.cnn/0\", expected \"flowrun.cnn/1\"");
  EXPECT_EQ(err([](auto& j) { j["tensors"].erase("dense2.bias"); }),
            e + ": tensors.dense2.bias: missing (layer 'dense 32')");
  EXPECT_EQ(err([](auto& j) { j["tensors"]["conv1.weight"]["shape"] = {8, 5, 5, 2}; }),
            e + ": tensors.conv1.weight: shape [8, 5, 5, 2], expected [8, 5, 5, 1] for layer "
                "'conv2d 8 kernel=5 stride=2 padding=2' with input 1x28x28");
  EXPECT_EQ(err([](auto& j) { j["tensors"]["extra.weight"] = {{"file", "x"}, {"shape", {1}}}; }),
            e + ": tensors.extra.weight: no layer of the network has this tensor");
  EXPECT_EQ(err([](auto& j) { j["tensors"]["conv1.bias"]["file"] = "../m/conv1.bias.f32"; }),
            e + ": tensors.conv1.bias: file '../m/conv1.bias.f32' must be a plain file name inside the model folder");
  EXPECT_EQ(err([](auto& j) { j["input_scale"] = -1; }), e + ": \"input_scale\" must be a positive number");
  const std::string bias = (dir / "e" / "dense3.bias.f32").string();
  EXPECT_EQ(err([](auto&) {}, std::string(36, '\0')),
            bias + ": tensor dense3.bias: 36 bytes, expected 10 float32 values = 40 bytes");
  EXPECT_EQ(err([](auto&) {}, std::string(36, '\0') + std::string("\0\0\xc0\x7f", 4)),
            bias + ": tensor dense3.bias: value 9 (byte 36) is not finite");
  const std::string bad_layer = err([](auto& j) { j["network"]["layers"][1] = "relu 3"; });
  EXPECT_EQ(bad_layer.rfind(e + ": network: layers: layer 2 'relu 3': ", 0), 0u) << bad_layer;
}

TEST(TrainerStage, RunsThroughAFakeContext) {
  const auto dir = temp_dir();
  ImageSet data = synthetic(400, 100, 2);
  data.val = synthetic(50, 1, 3).train;
  write_images(data, dir / "dataset");
  const auto run = [&](const std::string& out, json params, int threads) {
    FakeContext ctx(stage("trainer.cnn").spec(), dir / out, std::move(params));
    ctx.thread_count = threads;
    ctx.inputs_by_port["dataset"] = dir / "dataset";
    stage("trainer.cnn").run(ctx);
    return ctx;
  };
  const json params = {{"epochs", 2}, {"layers", kSecondNet}};
  const FakeContext a = run("a", params, 1);
  const FakeContext b = run("b", params, 2);
  // Reproducible artifacts whatever the thread count.
  for (const char* f : {"model/model.json", "model/conv1.weight.f32", "model/dense3.bias.f32", "curve.csv"})
    EXPECT_EQ(read_bytes(dir / "a" / f), read_bytes(dir / "b" / f)) << f;
  const std::string curve = read_bytes(a.output("curve"));
  std::istringstream lines(curve);
  std::string header, row1, row2, extra;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_EQ(header, "epoch,train_loss,train_accuracy,val_accuracy,test_accuracy");
  EXPECT_EQ(row1.rfind("1,", 0), 0u);
  EXPECT_EQ(row2.rfind("2,", 0), 0u);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(a.metrics["epochs"], 2);
  for (const char* k : {"train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "seconds_per_epoch"})
    EXPECT_TRUE(a.metrics.contains(k)) << k;
  EXPECT_GT(a.metrics["test_accuracy"].get<double>(), 0.5);
  const CnnModel m = read_model(a.output("model"));
  EXPECT_EQ(m.metrics["test_accuracy"], a.metrics["test_accuracy"]);
  EXPECT_FALSE(m.metrics.contains("seconds_per_epoch"));  // no timings in artifacts
  EXPECT_EQ(m.source["layers"], kSecondNet);
  EXPECT_EQ(read_bytes(a.output("model") / "model.json").find(dir.string()), std::string::npos);

  // A bad layer list names the stage param and the layer.
  try {
    run("c", {{"layers", {"conv2d 8 kernel=3", "dense 10"}}}, 1);
    FAIL() << "dense after conv accepted";
  } catch (const StageError& e) {
    EXPECT_EQ(std::string(e.what()), "trainer.cnn: param layers: layer 2 'dense 10': expects a flattened input, "
                                     "got 8x26x26 (add 'flatten')");
  }
  try {
    run("d", {{"layers", {"flatten", "dense 7"}}}, 1);
    FAIL() << "7 outputs for 10 classes accepted";
  } catch (const StageError& e) {
    EXPECT_EQ(std::string(e.what()), "trainer.cnn: param layers: the last layer 'dense 7' has 7 outputs but " +
                                         (dir / "dataset").string() + " has 10 classes");
  }
  // The spec: defaults as documented.
  const auto& spec = stage("trainer.cnn").spec();
  EXPECT_EQ(spec.param("layers")->default_value, kDefaultNet);
  EXPECT_EQ(spec.param("epochs")->default_value, 10);
  EXPECT_EQ(spec.param("batch_size")->default_value, 64);
  EXPECT_EQ(spec.output("model")->file, "model/");
  EXPECT_EQ(spec.output("curve")->file, "curve.csv");
  for (const auto& p : spec.params) EXPECT_FALSE(p.doc.empty()) << p.name;
}
