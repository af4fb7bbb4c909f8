// Random int8 models and helpers for the accelerator compiler's tests.
#pragma once

#include "rtl/accel.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace flowrun::cnn::rtl::test {

inline const std::vector<std::string> kDefaultNet = {
    "conv2d 16 kernel=3 stride=1 padding=1", "relu", "maxpool 2",
    "conv2d 32 kernel=3 stride=1 padding=1", "relu", "maxpool 2",
    "flatten", "dense 128", "relu", "dense 10"};

inline const std::vector<std::string> kStrideNet = {
    "conv2d 8 kernel=5 stride=2 padding=2", "relu", "conv2d 24 kernel=5 stride=2", "relu",
    "flatten", "dense 64", "relu", "dense 32", "relu", "dense 10"};

// Random weights and biases with requantization constants that keep the
// activations mostly in range (about 1/3 of full scale), so every path of
// the requantizer (rounding, saturation at both ends, relu) is exercised.
inline QModel random_qmodel(const std::vector<std::string>& layers, Shape input, unsigned seed,
                            Rounding rounding = Rounding::Nearest,
                            Saturation sat = Saturation::Saturate) {
  QModel q;
  q.net = parse_network(layers, input, "test");
  q.rounding = rounding;
  q.saturation = sat;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> w(-127, 127), b(-3000, 3000), ds(-2, 2);
  for (const auto& l : q.net.layers) {
    QLayer ql;
    if (l.has_weights()) {
      ql.weight.resize(static_cast<std::size_t>(l.weight_count()));
      for (auto& x : ql.weight) x = static_cast<std::int8_t>(w(rng));
      ql.bias.resize(static_cast<std::size_t>(l.out_channels));
      for (auto& x : ql.bias) x = b(rng);
      const bool last = &l == &q.net.layers.back();
      if (!last) {
        const double typical = 64.0 * 73.0 * std::sqrt(static_cast<double>(l.reduction()));
        for (int o = 0; o < l.out_channels; ++o) {
          const int s = 30 + ds(rng);
          const double m = 40.0 / typical * std::ldexp(1.0, s);
          ql.multiplier.push_back(std::max<std::int64_t>(1, static_cast<std::int64_t>(m)));
          ql.shift.push_back(s);
        }
      }
    }
    q.layers.push_back(ql);
  }
  return q;
}

inline std::vector<std::uint8_t> random_images(long count, long size, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> p(0, 255);
  std::vector<std::uint8_t> v(static_cast<std::size_t>(count * size));
  for (auto& x : v) x = static_cast<std::uint8_t>(p(rng));
  return v;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::path(CNN_TEST_TMP) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs a shell command, output into `log`; returns the exit status.
inline int run(const std::string& cmd, const std::filesystem::path& log) {
  const int rc = std::system((cmd + " > '" + log.string() + "' 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline bool have(const std::string& tool) {
  return std::system(("command -v " + tool + " > /dev/null 2>&1").c_str()) == 0;
}

}  // namespace flowrun::cnn::rtl::test
