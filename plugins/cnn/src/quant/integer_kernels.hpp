// Internals of the integer model shared by infer(), infer_batch(), the
// quantizer stage and the tests: the requantization step and an Engine that
// prepares a QModel once (widened weights, product table) and then runs
// images with caller-owned scratch memory (one Scratch per thread).
#pragma once

#include <flowrun_cnn/qmodel.hpp>

#include <cstdint>
#include <vector>

namespace flowrun::cnn::quant {

// y = sat8((acc * M + r) >> s), exactly as qmodel.hpp documents:
// 64-bit product, arithmetic shift (C++20 defines >> on negative values as
// arithmetic), r = 1 << (s - 1) for nearest (ties toward +inf) and 0 for
// floor or when s = 0 (nothing is shifted out, so nothing is rounded).
// Exact for |acc| < 2^31 and M < 2^31 (|acc * M| + r < 2^63), which
// check_qmodel guarantees.
inline std::int32_t requant(std::int64_t acc, std::int64_t multiplier, int shift, Rounding rounding,
                            Saturation saturation) {
  const std::int64_t r = (rounding == Rounding::Nearest && shift > 0) ? (std::int64_t{1} << (shift - 1)) : 0;
  const std::int64_t v = (acc * multiplier + r) >> shift;
  if (saturation == Saturation::Saturate) return static_cast<std::int32_t>(v < -128 ? -128 : v > 127 ? 127 : v);
  return static_cast<std::int8_t>(static_cast<std::uint8_t>(v & 0xff));  // low 8 bits, two's complement
}

// Index of the largest value, the lowest index on ties.
inline int argmax(const std::int32_t* v, long n) {
  long best = 0;
  for (long i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int>(best);
}

struct Scratch {
  std::vector<std::int16_t> a, b, patch;
  std::vector<std::int32_t> acc;
  // Per layer: requantized values that left [-128, 127] and so were
  // changed by saturation or wrapping (below -128 before a relu with
  // saturation does not count: relu makes it 0 either way). Summed over
  // every image run with this scratch.
  std::vector<long> clipped;
};

class Engine {
 public:
  // Keeps references to q and products: both must outlive the engine.
  // Throws StageError when the table is not 65536 entries, names a layer
  // without weights, or the vector sizes do not match the network.
  Engine(const QModel& q, const ProductTable* products = nullptr);
  ~Engine();
  Engine(Engine&&) noexcept;
  // One image: writes classes() logits; trace as in infer(). Thread-safe
  // (const) with one Scratch per thread.
  void run(const std::uint8_t* pixels, std::int32_t* logits, std::vector<std::vector<std::int32_t>>* trace,
           Scratch& scratch) const;

 private:
  struct Prepared;
  void accumulate(const Prepared& p, const std::int16_t* x, std::int32_t* acc) const;
  long requantize_row(const Prepared& p, const std::int32_t* acc, std::int16_t* out) const;

  const QModel& q_;
  std::vector<Prepared> layers_;
  long max_size_ = 0;   // largest activation map
  long max_patch_ = 0;  // largest conv patch (K*K*Cin)
  long max_outs_ = 0;   // most output channels
};

// infer_batch, also returning the per-layer clipped counts (see Scratch)
// summed over all images.
std::vector<std::int32_t> infer_batch_counted(const QModel& q, const std::uint8_t* pixels, long count, int threads,
                                              const ProductTable* products, std::vector<long>* clipped);

}  // namespace flowrun::cnn::quant
