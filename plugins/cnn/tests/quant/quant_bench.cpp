// Throughput of the integer model (infer_batch), exact products and with a
// 256x256 product table, on the default Fashion-MNIST network with random
// int8 weights and random images (the speed does not depend on the values).
//
//   cnn_quant_bench [images=10000] [threads=2] [qmodel_dir]
//
// With a qmodel folder, its network and weights are used instead.
#include <flowrun_cnn/qmodel.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

using namespace flowrun::cnn;

namespace {

QModel default_net_random() {
  QModel q;
  q.net = parse_network({"conv2d 16 kernel=3 stride=1 padding=1", "relu", "maxpool 2", "conv2d 32 kernel=3 stride=1 padding=1",
                         "relu", "maxpool 2", "flatten", "dense 128", "relu", "dense 10"},
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

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + t.tv_nsec * 1e-9;
}

// Wall-clock seconds; `cpu` receives the CPU seconds of all threads (on a
// loaded machine the wall time overstates the cost).
double run(const QModel& q, const std::vector<std::uint8_t>& images, long count, int threads,
           const ProductTable* table, long& checksum, double& cpu) {
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  const auto logits = infer_batch(q, images.data(), count, threads, table);
  cpu = cpu_seconds() - c0;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  checksum = 0;
  for (auto v : logits) checksum = checksum * 31 + v;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 10000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const QModel q = argc > 3 ? read_qmodel(argv[3]) : default_net_random();
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> px(0, 255);
  std::vector<std::uint8_t> images(static_cast<std::size_t>(count * q.net.input.size()));
  for (auto& p : images) p = static_cast<std::uint8_t>(px(rng));
  ProductTable table;
  table.table.resize(65536);
  for (int w = -128; w < 128; ++w)
    for (int x = -128; x < 128; ++x) table.table[(w & 0xff) * 256 + (x & 0xff)] = w * x;

  std::printf("network: %ld MACs/image, %ld images, %d threads\n", q.net.macs(), count, threads);
  long c1 = 0, c2 = 0;
  double cpu = 0;
  const double macs = count * static_cast<double>(q.net.macs());
  const double exact = run(q, images, count, threads, nullptr, c1, cpu);
  std::printf("exact products: %7.3f s wall %9.0f images/s | %7.3f s CPU %9.0f images/CPU-s %6.2f GMAC/CPU-s\n",
              exact, count / exact, cpu, count / cpu, macs / cpu / 1e9);
  const double lut = run(q, images, count, threads, &table, c2, cpu);
  std::printf("product table:  %7.3f s wall %9.0f images/s | %7.3f s CPU %9.0f images/CPU-s %6.2f GMAC/CPU-s\n",
              lut, count / lut, cpu, count / cpu, macs / cpu / 1e9);
  std::printf("identical logits: %s\n", c1 == c2 ? "yes" : "NO");
  return c1 == c2 ? 0 : 1;
}
