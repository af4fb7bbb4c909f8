// The operand distribution of the int8 network (count_operands): how often
// each (weight, activation) pair is multiplied, for approx.ga's
// distribution-weighted error metric (docs/approx-cnn.md).
//
// Counting every multiply directly would cost as much as inference; instead
// each tap k of a layer gets a histogram of the activation values it sees
// (over all output pixels and images, padding as 0), and the pair counts
// follow as counts[w[o][k]][v] += hist[k][v] for every output channel o.
#include "quant/integer_kernels.hpp"

#include <flowrun_cnn/lut.hpp>

#include <flowrun/stage.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

namespace flowrun::cnn {

namespace {

unsigned operand_index(int v, LutMapping mapping) {
  if (mapping == LutMapping::Signed) return static_cast<std::uint8_t>(static_cast<std::int8_t>(v));
  return static_cast<unsigned>(v < 0 ? -v : v);  // |-128| = 128
}

}  // namespace

OperandCounts count_operands(const QModel& q, const std::uint8_t* pixels, long count, LutMapping mapping,
                             const std::vector<std::string>& layers, int threads) {
  for (const auto& name : layers) {
    const Layer* l = q.net.find(name);
    if (!l || !l->has_weights())
      throw StageError("operand profile: layer '" + name + "' (param layers) is not a conv2d or dense layer of the network");
  }
  std::vector<int> counted;  // weighted layers that use the table
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    if (l.has_weights() && (layers.empty() || std::find(layers.begin(), layers.end(), l.name) != layers.end()))
      counted.push_back(static_cast<int>(i));
  }
  const quant::Engine engine(q);
  const long image = q.net.input.size();
  const long n = std::clamp<long>(threads, 1, std::max(1L, count));
  // hist[t][j][k * 256 + v]: thread t, counted layer j, tap k, activation v.
  std::vector<std::vector<std::vector<std::uint64_t>>> hist(static_cast<std::size_t>(n));
  const auto work = [&](long t) {
    auto& h = hist[t];
    h.resize(counted.size());
    for (std::size_t j = 0; j < counted.size(); ++j)
      h[j].assign(static_cast<std::size_t>(q.net.layers[counted[j]].reduction()) * 256, 0);
    quant::Scratch scratch;
    std::vector<std::vector<std::int32_t>> trace;
    std::vector<std::int32_t> logits(static_cast<std::size_t>(q.net.classes()));
    std::vector<std::int32_t> input(static_cast<std::size_t>(image));
    for (long i = count * t / n; i < count * (t + 1) / n; ++i) {
      const std::uint8_t* px = pixels + i * image;
      engine.run(px, logits.data(), &trace, scratch);
      for (long k = 0; k < image; ++k) input[k] = px[k] >> q.input_shift;
      for (std::size_t j = 0; j < counted.size(); ++j) {
        const int li = counted[j];
        const Layer& l = q.net.layers[li];
        const std::vector<std::int32_t>& in = li == 0 ? input : trace[li - 1];
        std::uint64_t* hj = h[j].data();
        if (l.type == LayerType::Dense) {
          for (long k = 0; k < l.reduction(); ++k) ++hj[k * 256 + operand_index(in[k], mapping)];
          continue;
        }
        const int H = l.in.height, W = l.in.width, C = l.in.channels, K = l.kernel, S = l.stride, P = l.padding;
        for (int oy = 0; oy < l.out.height; ++oy)
          for (int ox = 0; ox < l.out.width; ++ox)
            for (int ky = 0; ky < K; ++ky)
              for (int kx = 0; kx < K; ++kx) {
                const int iy = oy * S - P + ky, ix = ox * S - P + kx;
                const bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                for (int c = 0; c < C; ++c) {
                  const long k = (static_cast<long>(ky) * K + kx) * C + c;
                  const int v = inside ? in[(static_cast<long>(iy) * W + ix) * C + c] : 0;
                  ++hj[k * 256 + operand_index(v, mapping)];
                }
              }
      }
    }
  };
  std::vector<std::thread> pool;
  for (long t = 1; t < n; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();

  OperandCounts out;
  out.images = std::max(0L, count);
  for (std::size_t j = 0; j < counted.size(); ++j) {
    const Layer& l = q.net.layers[counted[j]];
    const QLayer& ql = q.layers[counted[j]];
    const long R = l.reduction();
    std::uint64_t layer_products = 0;
    for (long k = 0; k < R; ++k)
      for (int v = 0; v < 256; ++v) {
        std::uint64_t c = 0;
        for (const auto& h : hist) c += h[j][k * 256 + v];
        if (c == 0) continue;
        for (int o = 0; o < l.out_channels; ++o)
          out.counts[operand_index(ql.weight[o * R + k], mapping) * 256 + v] += c;
        layer_products += c * static_cast<std::uint64_t>(l.out_channels);
      }
    out.per_layer[l.name] = layer_products;
    out.products += layer_products;
  }
  return out;
}

void write_operand_counts(const OperandCounts& c, LutMapping mapping, const std::string& split,
                          const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "counts.csv");
    for (int a = 0; a < 256; ++a) {
      std::string line;
      for (int b = 0; b < 256; ++b) {
        if (b) line += ',';
        line += std::to_string(c.counts[static_cast<std::size_t>(a) * 256 + b]);
      }
      csv << line << '\n';
    }
    if (!csv) throw StageError("cannot write " + (dir / "counts.csv").string());
  }
  const nlohmann::json j = {{"format", "flowrun.operand_counts/1"},
                            {"mapping", to_string(mapping)},
                            {"operand_a", "weight"},
                            {"operand_b", "activation"},
                            {"images", c.images},
                            {"split", split},
                            {"layers", c.per_layer},
                            {"products", c.products}};
  std::ofstream js(dir / "counts.json");
  js << j.dump(2) << '\n';
  if (!js) throw StageError("cannot write " + (dir / "counts.json").string());
}

}  // namespace flowrun::cnn
