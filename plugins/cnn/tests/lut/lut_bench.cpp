// Throughput of LUT inference (LutEngine) against the exact integer model
// (infer_batch) and its per-product table path, on the Fashion-MNIST test
// images (random images when the data set is not installed).
//
//   cnn_lut_bench [qmodel_dir] [lut (folder or file)] [threads=2] [images=10000]
//
// Without a qmodel: trainer.cnn's default network with random int8 weights
// (the speed depends on the share of zero activations, so a trained model
// on real images is the number that counts). Without a lut: a random
// approximate table.
#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/lut.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

using namespace flowrun::cnn;

namespace {

const char* kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

QModel default_net_random() {
  QModel q;
  q.net = parse_network({"conv2d 16 kernel=3 padding=1", "relu", "maxpool 2", "conv2d 32 kernel=3 padding=1", "relu",
                         "maxpool 2", "flatten", "dense 128", "relu", "dense 10"},
                        {1, 28, 28}, "bench");
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> w8(-127, 127), bias(-1000, 1000);
  q.layers.resize(q.net.layers.size());
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    if (!l.has_weights()) continue;
    QLayer& ql = q.layers[i];
    for (long k = 0; k < l.weight_count(); ++k) ql.weight.push_back(static_cast<std::int8_t>(w8(rng)));
    const int shift = 16 + static_cast<int>(std::log2(std::sqrt(static_cast<double>(l.reduction())) * 73 * 64 / 40));
    for (int o = 0; o < l.out_channels; ++o) {
      ql.bias.push_back(bias(rng));
      ql.weight_scale.push_back(1.0);
      if (i + 1 < q.net.layers.size()) {
        ql.multiplier.push_back(1 << 16);
        ql.shift.push_back(shift);
      }
    }
    ql.input_scale = 1.0;
    ql.output_scale = i + 1 < q.net.layers.size() ? 1.0 : 0.0;
  }
  return q;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string qdir = argc > 1 ? argv[1] : "";
    const std::string lut = argc > 2 ? argv[2] : "";
    const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
    long count = argc > 4 ? std::atol(argv[4]) : 10000;
    const QModel q = qdir.empty() || qdir == "-" ? default_net_random() : read_qmodel(qdir);
    std::vector<std::uint8_t> images;
    if (std::filesystem::exists(kFashionTest) && q.net.input.size() == 784) {
      images = read_idx(kFashionTest).data;
      count = std::min<long>(count, static_cast<long>(images.size() / 784));
      std::printf("images: %ld Fashion-MNIST test images\n", count);
    } else {
      std::mt19937 rng(2);
      std::uniform_int_distribution<int> px(0, 255);
      images.resize(static_cast<std::size_t>(count * q.net.input.size()));
      for (auto& p : images) p = static_cast<std::uint8_t>(px(rng));
      std::printf("images: %ld random images\n", count);
    }
    ProductTable table;
    if (!lut.empty()) {
      table = effective_table(read_multiplier_table(lut, LutMapping::Signed), LutMapping::Signed);
    } else {
      std::mt19937 rng(3);
      std::uniform_int_distribution<int> d(-40, 40);
      table.table.resize(65536);
      for (int w = 0; w < 256; ++w)
        for (int x = 0; x < 256; ++x)
          table.table[w * 256 + x] = static_cast<std::int8_t>(w) * static_cast<std::int8_t>(x) + d(rng);
    }
    const ProductTable exact = effective_table(exact_multiplier_table(LutMapping::Signed), LutMapping::Signed);
    std::vector<std::int32_t> a, b, c, d;
    const double t_exact = seconds([&] { a = infer_batch(q, images.data(), count, threads); });
    double t_prep = 0;
    const double t_lut_exact = seconds([&] {
      const auto t0 = std::chrono::steady_clock::now();
      const LutEngine e(q, &exact);
      t_prep = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      b = e.infer_batch(images.data(), count, threads);
    });
    const double t_lut = seconds([&] { c = LutEngine(q, &table).infer_batch(images.data(), count, threads); });
    const long slow_count = std::min<long>(count, 1000);
    const double t_slow = seconds([&] { d = infer_batch(q, images.data(), slow_count, threads, &table); });
    const bool same_exact = a == b;
    const bool same_table = std::equal(d.begin(), d.end(), c.begin());
    std::printf("threads: %d\n", threads);
    std::printf("exact int8 (infer_batch):          %8.3f s  %9.0f images/s\n", t_exact, count / t_exact);
    std::printf("LUT engine, exact table:           %8.3f s  %9.0f images/s  (prepare %.3f s)  logits %s\n",
                t_lut_exact, count / t_lut_exact, t_prep, same_exact ? "identical" : "DIFFERENT");
    std::printf("LUT engine, approximate table:     %8.3f s  %9.0f images/s\n", t_lut, count / t_lut);
    std::printf("infer_batch table path (%ld imgs): %8.3f s  %9.0f images/s  logits %s\n", slow_count, t_slow,
                slow_count / t_slow, same_table ? "identical" : "DIFFERENT");
    return same_exact && same_table ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cnn_lut_bench: %s\n", e.what());
    return 2;
  }
}
