// trainer.lut_finetune: the int8 LUT network run inside the float engine
// (forward = the integer model bit for bit, STE gradient = the derivative
// of the network with its rounding frozen, LUT-difference gradient of the
// exact table = STE), fine-tuning on Fashion-MNIST (the exact table does
// not hurt, a bad table is partly recovered), determinism, and the stage.
#include "../data/fake_context.hpp"
#include "../data/test_util.hpp"
#include "lut_finetune/lut_finetune.hpp"

#include <flowrun/plugin.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

namespace flowrun::cnn {
namespace {

using lutft::Gradient;

// A float model of `net` with seeded uniform weights (He-like bounds) and
// small biases.
CnnModel random_model(const Network& net, unsigned seed) {
  CnnModel m;
  m.net = net;
  m.params.resize(net.layers.size());
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    std::uniform_real_distribution<float> w(-std::sqrt(6.0f / l.reduction()), std::sqrt(6.0f / l.reduction()));
    std::uniform_real_distribution<float> b(-0.05f, 0.05f);
    for (long k = 0; k < l.weight_count(); ++k) m.params[i].weight.push_back(w(rng));
    for (int o = 0; o < l.out_channels; ++o) m.params[i].bias.push_back(b(rng));
  }
  return m;
}

std::vector<std::uint8_t> random_pixels(long count, long size, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> p(static_cast<std::size_t>(count * size));
  for (auto& v : p) v = static_cast<std::uint8_t>(rng() & 0xff);
  return p;
}

// The exact signed table with every `every`-th entry off by up to +-noise.
ProductTable noisy_table(int noise, int every, unsigned seed) {
  ProductTable t = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < t.table.size(); i += every)
    t.table[i] += static_cast<int>(rng() % (2 * noise + 1)) - noise;
  return t;
}

struct Pass {
  CnnModel model;
  quant::QuantizeOptions qo;
  std::vector<quant::RangeStats> ranges;
  train::Engine<float> engine;
  lutft::LutTrainingPass pass;
  const float* used = nullptr;
  Pass(const Network& net, const ProductTable& table, Gradient g, const std::vector<std::uint8_t>& cal)
      : model(random_model(net, 7)), engine(net), pass(net, table, g, 1) {
    qo.multiplier_bits = 16;
    ranges = quant::calibrate(model, cal.data(), static_cast<long>(cal.size() / net.input.size()), qo);
    const auto flat = train::flat_params(model, engine.layout());
    used = pass.prepare(flat.data(), ranges, qo, model.input_scale);
  }
  // Forward (and loss + backward when grads is given) of n images.
  std::vector<float> run(const std::uint8_t* pixels, int n, const std::vector<std::uint8_t>& labels,
                         std::vector<float>* grads) {
    train::Workspace<float> ws;
    engine.reserve(ws, n, true);
    engine.load(ws, pixels, nullptr, n, pass.qmodel().input_scale, pass.qmodel().input_shift);
    engine.forward(used, ws, n, pass.hooks(0));
    const int C = engine.net().classes();
    std::vector<float> z(engine.logits(ws), engine.logits(ws) + n * C);
    if (grads) {
      double loss = 0;
      long right = 0;
      engine.loss(ws, labels.data(), n, 1.0f / n, loss, right);
      grads->assign(engine.layout().total, 0.0f);
      engine.backward(used, ws, n, grads->data(), pass.hooks(0));
    }
    return z;
  }
};

// Forward through the pass: the int8 model of the float weights (what
// quantizer.int8 makes of them) with the table, bit for bit — including a
// conv without relu (requantized, negative values) and max-pooling.
TEST(LutTrainingPass, ForwardIsTheIntegerModelWithTheTable) {
  const Network net = parse_network({"conv2d 4 kernel=3 padding=1", "relu", "maxpool 2", "conv2d 6 kernel=3 padding=1",
                                     "maxpool 2", "flatten", "dense 8", "relu", "dense 5"},
                                    {1, 8, 8}, "test");
  const auto cal = random_pixels(16, 64, 1);
  const ProductTable table = noisy_table(300, 3, 2);
  Pass p(net, table, Gradient::Ste, cal);
  const QModel want = quant::quantize(p.model, cal.data(), 16, p.qo).qmodel;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    EXPECT_EQ(p.pass.qmodel().layers[i].weight, want.layers[i].weight) << net.layers[i].name;
    EXPECT_EQ(p.pass.qmodel().layers[i].bias, want.layers[i].bias) << net.layers[i].name;
  }
  const int n = 20;
  const auto images = random_pixels(n, 64, 3);
  const auto z = p.run(images.data(), n, {}, nullptr);
  const auto zi = LutEngine(want, &table).infer_batch(images.data(), n, 1);
  const QLayer& last = want.layers.back();
  const double s = last.weight_scale[0] * last.input_scale;
  long differ = 0;
  for (std::size_t j = 0; j < zi.size(); ++j) differ += std::lround(z[j] / s) != zi[j];
  EXPECT_EQ(differ, 0);
  // And the table matters: the exact int8 model differs somewhere.
  EXPECT_NE(zi, infer_batch(want, images.data(), n, 1));
}

// The STE gradient is the exact derivative of the LUT network with its
// rounding frozen: y1 = y1* + mask (a1(W) - a1(W*)), z = z* + W2 y1 - W2* y1*,
// computed here in double from the integer model alone, differentiated by
// central differences.
TEST(LutTrainingPass, SteGradientIsTheDerivativeWithRoundingFrozen) {
  const Network net = parse_network({"conv2d 2 kernel=3 padding=1", "relu", "flatten", "dense 3"}, {1, 4, 4}, "tiny");
  const auto cal = random_pixels(12, 16, 4);
  const ProductTable table = noisy_table(400, 2, 5);
  Pass p(net, table, Gradient::Ste, cal);
  const QModel& q = p.pass.qmodel();
  const int n = 3;
  const auto images = random_pixels(n, 16, 6);
  const std::vector<std::uint8_t> labels = {0, 2, 1};
  std::vector<float> grads;
  p.run(images.data(), n, labels, &grads);

  // The frozen point from the integer model.
  const QLayer &c = q.layers[0], &d = q.layers[3];
  std::vector<std::vector<double>> col(n * 16, std::vector<double>(9, 0.0)), y1(n, std::vector<double>(32));
  std::vector<std::vector<double>> zstar(n);
  std::vector<std::vector<bool>> mask(n, std::vector<bool>(32));
  for (int b = 0; b < n; ++b) {
    std::vector<std::vector<std::int32_t>> trace;
    const auto zi = infer(q, images.data() + b * 16, &table, &trace);
    for (int j = 0; j < 32; ++j) {
      y1[b][j] = trace[1][j] * c.output_scale;
      mask[b][j] = trace[1][j] > 0;
    }
    for (int k = 0; k < 3; ++k) zstar[b].push_back(zi[k] * d.weight_scale[0] * d.input_scale);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x)
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = y + ky - 1, ix = x + kx - 1;
            if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
              col[b * 16 + y * 4 + x][ky * 3 + kx] = (images[b * 16 + iy * 4 + ix] >> 1) * q.input_scale;
          }
  }
  std::vector<double> w1(18), w2(96);
  for (int o = 0; o < 2; ++o)
    for (int k = 0; k < 9; ++k) w1[o * 9 + k] = c.weight[o * 9 + k] * c.weight_scale[o];
  for (int j = 0; j < 96; ++j) w2[j] = d.weight[j] * d.weight_scale[0];
  const auto w1s = w1, w2s = w2;
  const auto loss = [&] {
    double sum = 0;
    for (int b = 0; b < n; ++b) {
      std::vector<double> y(32);
      for (int pix = 0; pix < 16; ++pix)
        for (int o = 0; o < 2; ++o) {
          double da = 0;
          for (int k = 0; k < 9; ++k) da += (w1[o * 9 + k] - w1s[o * 9 + k]) * col[b * 16 + pix][k];
          y[pix * 2 + o] = y1[b][pix * 2 + o] + (mask[b][pix * 2 + o] ? da : 0.0);
        }
      std::vector<double> z(3);
      for (int k = 0; k < 3; ++k) {
        z[k] = zstar[b][k];
        for (int j = 0; j < 32; ++j) z[k] += w2[k * 32 + j] * y[j] - w2s[k * 32 + j] * y1[b][j];
      }
      const double mx = std::max({z[0], z[1], z[2]});
      sum += std::log(std::exp(z[0] - mx) + std::exp(z[1] - mx) + std::exp(z[2] - mx)) - (z[labels[b]] - mx);
    }
    return sum / n;
  };
  const train::ParamLayout& lay = p.engine.layout();
  const auto check = [&](std::vector<double>& w, long offset, const char* what) {
    double gmax = 0;
    for (std::size_t j = 0; j < w.size(); ++j) gmax = std::max(gmax, std::fabs(static_cast<double>(grads[offset + j])));
    ASSERT_GT(gmax, 1e-4) << what;
    for (std::size_t j = 0; j < w.size(); ++j) {
      const double h = 1e-5, keep = w[j];
      w[j] = keep + h;
      const double up = loss();
      w[j] = keep - h;
      const double down = loss();
      w[j] = keep;
      EXPECT_NEAR(grads[offset + j], (up - down) / (2 * h), 1e-3 * gmax) << what << " " << j;
    }
  };
  check(w1, lay.weight[0], "conv weights");
  check(w2, lay.weight[3], "dense weights");
}

// With the exact table the table's slopes are the other operand, so the
// LUT-difference gradient equals the STE one (up to float summation order).
TEST(LutTrainingPass, LutDifferenceOfTheExactTableIsTheSte) {
  const lutft::TableSlopes s =
      lutft::table_slopes(effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed).table);
  for (int a : {-128, -5, 0, 77, 127})
    for (int b : {-128, -1, 3, 127}) {
      EXPECT_EQ(s.da[(a & 0xff) * 256 + (b & 0xff)], b);
      EXPECT_EQ(s.db[(a & 0xff) * 256 + (b & 0xff)], a);
    }
  const Network net = parse_network({"conv2d 3 kernel=3 padding=1", "relu", "maxpool 2", "conv2d 4 kernel=3 padding=1",
                                     "relu", "flatten", "dense 6", "relu", "dense 4"},
                                    {1, 6, 6}, "test");
  const auto cal = random_pixels(10, 36, 8);
  const ProductTable exact = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
  Pass ste(net, exact, Gradient::Ste, cal), diff(net, exact, Gradient::LutDifference, cal);
  const auto images = random_pixels(5, 36, 9);
  const std::vector<std::uint8_t> labels = {0, 3, 1, 2, 3};
  std::vector<float> g1, g2;
  ste.run(images.data(), 5, labels, &g1);
  diff.run(images.data(), 5, labels, &g2);
  double gmax = 0;
  for (float v : g1) gmax = std::max(gmax, static_cast<double>(std::fabs(v)));
  ASSERT_GT(gmax, 1e-4);
  for (std::size_t j = 0; j < g1.size(); ++j) EXPECT_NEAR(g1[j], g2[j], 1e-5 * gmax) << j;
  // A non-linear table changes it.
  Pass bad(net, noisy_table(2000, 1, 3), Gradient::LutDifference, cal);
  std::vector<float> g3;
  bad.run(images.data(), 5, labels, &g3);
  EXPECT_NE(g1, g3);
}

// ---- Fine-tuning a Fashion-MNIST network (trained briefly, once) ----

struct Fashion {
  ImageSet data;
  CnnModel model;
  QModel qmodel;
  lutft::FinetuneOptions opt;
};

const Fashion& fashion() {
  static const Fashion f = [] {
    Fashion r;
    const std::string d = test::kFashionDir;
    r.data.shape = {1, 28, 28};
    r.data.classes = 10;
    const auto ti = read_idx(d + "/train-images-idx3-ubyte.gz"), tl = read_idx(d + "/train-labels-idx1-ubyte.gz");
    const auto xi = read_idx(d + "/t10k-images-idx3-ubyte.gz"), xl = read_idx(d + "/t10k-labels-idx1-ubyte.gz");
    const long ntrain = 3000, ntest = 1000;
    r.data.train.count = ntrain;
    r.data.train.pixels.assign(ti.data.begin(), ti.data.begin() + ntrain * 784);
    r.data.train.labels.assign(tl.data.begin(), tl.data.begin() + ntrain);
    r.data.test.count = ntest;
    r.data.test.pixels.assign(xi.data.begin(), xi.data.begin() + ntest * 784);
    r.data.test.labels.assign(xl.data.begin(), xl.data.begin() + ntest);
    const Network net = parse_network({"conv2d 16 kernel=3 padding=1", "relu", "maxpool 2",
                                       "conv2d 32 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 128",
                                       "relu", "dense 10"},
                                      r.data.shape, "fashion");
    train::TrainOptions to;
    to.epochs = 2;
    to.threads = 2;
    r.model = train::train_cnn(net, r.data, to).model;
    r.opt.quant.multiplier_bits = 16;
    r.opt.quant.threads = 2;
    r.opt.calibration_images = 1000;
    r.qmodel = lutft::quantize_like_quantizer(r.model, r.data, r.opt);
    r.opt.train.epochs = 1;
    r.opt.train.learning_rate = 1e-4;
    r.opt.train.threads = 2;
    return r;
  }();
  return f;
}

TEST(LutFinetune, ExactTableDoesNotHurt) {
  if (!test::have_fashion()) GTEST_SKIP() << "install the Debian package dataset-fashion-mnist";
  const Fashion& f = fashion();
  const ProductTable exact = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
  const double before = lutft::lut_accuracy(f.qmodel, exact, f.data.test, 0, 2);
  EXPECT_GT(before, 0.7);
  const auto r = lutft::finetune(f.model, f.data, exact, f.opt);
  const double after = lutft::lut_accuracy(r.qmodel, exact, f.data.test, 0, 2);
  EXPECT_GE(after, before - 0.005) << "before " << before << " after " << after;
  ASSERT_EQ(r.curve.size(), 1u);
  EXPECT_EQ(*r.curve[0].test_accuracy, after);
}

// A multiplier whose products lose their low bits (rounded down to a
// multiple of 512, so small products are 0 or -512): accuracy drops, and
// one epoch of fine-tuning through it wins a good part back.
TEST(LutFinetune, RecoversAccuracyLostToABadTable) {
  if (!test::have_fashion()) GTEST_SKIP() << "install the Debian package dataset-fashion-mnist";
  const Fashion& f = fashion();
  ProductTable bad = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
  for (auto& v : bad.table) v = v & ~511;
  const ProductTable exact = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
  const double exact_acc = lutft::lut_accuracy(f.qmodel, exact, f.data.test, 0, 2);
  const double before = lutft::lut_accuracy(f.qmodel, bad, f.data.test, 0, 2);
  EXPECT_LT(before, exact_acc - 0.05) << "the table is meant to hurt";
  const auto r = lutft::finetune(f.model, f.data, bad, f.opt);
  const double after = lutft::lut_accuracy(r.qmodel, bad, f.data.test, 0, 2);
  EXPECT_GT(after, before + 0.02) << "before " << before << " after " << after << " exact " << exact_acc;
  std::printf("bad table: exact int8 %.4f, LUT before %.4f, after 1 epoch (STE) %.4f\n", exact_acc, before, after);
}

// Same inputs and seed: the same bytes, whatever the thread count (and the
// LUT-difference gradient too).
TEST(LutFinetune, SameSeedSameModelForAnyThreadCount) {
  const Network net = parse_network({"conv2d 4 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 10"},
                                    {1, 8, 8}, "small");
  ImageSet data;
  data.shape = {1, 8, 8};
  data.classes = 10;
  data.train.count = 150;
  data.train.pixels = random_pixels(150, 64, 11);
  for (long i = 0; i < 150; ++i) data.train.labels.push_back(static_cast<std::uint8_t>(data.train.pixels[i * 64] % 10));
  data.test = data.train;
  const CnnModel start = random_model(net, 12);
  const ProductTable table = noisy_table(500, 2, 13);
  for (Gradient g : {Gradient::Ste, Gradient::LutDifference}) {
    lutft::FinetuneOptions o;
    o.gradient = g;
    o.train.epochs = 2;
    o.train.batch_size = 50;
    o.train.learning_rate = 1e-3;
    o.calibration_images = 100;
    o.train.threads = 1;
    const auto a = lutft::finetune(start, data, table, o);
    o.train.threads = 2;
    const auto b = lutft::finetune(start, data, table, o);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      EXPECT_EQ(a.model.params[i].weight, b.model.params[i].weight);
      EXPECT_EQ(a.model.params[i].bias, b.model.params[i].bias);
    }
    EXPECT_NE(a.model.params[0].weight, start.params[0].weight) << "it trained";
  }
}

// ---- The stage ----

const Stage& stage() {
  for (const auto& s : detail::plugin_registry())
    if (s->spec().kind == "trainer.lut_finetune") return *s;
  throw std::runtime_error("trainer.lut_finetune not registered");
}

TEST(LutFinetuneStage, WritesAModelTheQuantizerReadsAndTheCurve) {
  const auto dir = test::temp_dir();
  const Network net = parse_network({"conv2d 4 kernel=3 padding=1", "relu", "maxpool 2", "flatten", "dense 3"},
                                    {1, 8, 8}, "small");
  ImageSet data;
  data.shape = {1, 8, 8};
  data.classes = 3;
  data.class_names = {"a", "b", "c"};
  for (ImageSplit* s : {&data.train, &data.test}) {
    s->count = 60;
    s->pixels = random_pixels(60, 64, s == &data.train ? 21 : 22);
    for (long i = 0; i < 60; ++i) s->labels.push_back(static_cast<std::uint8_t>(s->pixels[i * 64 + 9] % 3));
  }
  write_images(data, dir / "data");
  const CnnModel start = random_model(net, 23);
  write_model(start, dir / "model");
  lutft::FinetuneOptions o;
  o.calibration_images = 60;
  QModel q = lutft::quantize_like_quantizer(start, data, o);
  write_qmodel(q, dir / "bare_qmodel");  // no quantizer settings recorded
  q.source = {{"granularity", "per_channel"}, {"method", "max"}, {"percentile", 99.999},
              {"calibration_images", 60},     {"multiplier_bits", 32}, {"rounding", "nearest"},
              {"saturation", "saturate"},     {"floor_bias_correction", true}};
  write_qmodel(q, dir / "qmodel");
  std::ofstream(dir / "lut.csv") << [] {
    std::string s;
    for (int a = 0; a < 256; ++a)
      for (int b = 0; b < 256; ++b)
        s += std::to_string((static_cast<std::int8_t>(a) * static_cast<std::int8_t>(b)) & ~127) +
             (b == 255 ? "\n" : ",");
    return s;
  }();

  test::FakeContext ctx(stage().spec(), dir / "out", {{"epochs", 2}, {"learning_rate", 1e-3}, {"batch", 20}, {"lr_schedule", "cosine"}});
  ctx.inputs_by_port = {{"model", dir / "model"}, {"qmodel", dir / "qmodel"}, {"dataset", dir / "data"},
                        {"lut", dir / "lut.csv"}};
  stage().run(ctx);
  const CnnModel tuned = read_model(dir / "out/model");
  EXPECT_EQ(network_text(tuned.net), network_text(net));
  EXPECT_EQ(tuned.input_scale, start.input_scale);
  EXPECT_TRUE(ctx.metrics.contains("accuracy_before"));
  EXPECT_EQ(tuned.metrics["accuracy_after"], ctx.metrics["accuracy_after"]);
  EXPECT_EQ(tuned.source["lr_schedule"], "cosine");
  std::ifstream csv(dir / "out/curve.csv");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(csv, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);  // header, epoch 0 (before), epochs 1 and 2
  EXPECT_EQ(lines[0], "epoch,train_loss,train_accuracy,val_accuracy,test_accuracy");
  EXPECT_EQ(lines[1].rfind("0,,,,", 0), 0u);
  EXPECT_TRUE(fs::exists(dir / "out/plots/loss.json"));
  EXPECT_TRUE(fs::exists(dir / "out/plots/accuracy.json"));
  // The fine-tuned model goes through the quantizer again.
  EXPECT_NO_THROW(lutft::quantize_like_quantizer(tuned, data, o));

  // A qmodel that does not say how it was quantized, and a network mismatch.
  test::FakeContext bad(stage().spec(), dir / "bad");
  bad.inputs_by_port = {{"model", dir / "model"}, {"qmodel", dir / "bare_qmodel"}, {"dataset", dir / "data"}};
  try {
    stage().run(bad);
    FAIL() << "accepted a qmodel without quantizer settings";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("bare_qmodel/qmodel.json: source.granularity is missing"), std::string::npos)
        << e.what();
  }
  write_model(random_model(parse_network({"flatten", "dense 3"}, {1, 8, 8}, "other"), 1), dir / "other");
  bad.inputs_by_port["model"] = dir / "other";
  bad.inputs_by_port["qmodel"] = dir / "qmodel";
  EXPECT_THROW(stage().run(bad), StageError);
}

}  // namespace
}  // namespace flowrun::cnn
