// Aligned word arrays for bit-parallel simulation: one bit per input
// assignment, kBlockWords words (512 assignments) per block.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace flowrun::approx {

// Words per evaluation block: one cache line per gate. Most candidates are
// rejected after one or two blocks, so a small block wastes less work on
// them (8 words: ~20% more candidates per second than 16); 4 words was
// slower again, the per-gate overhead dominating.
inline constexpr std::size_t kBlockWords = 8;

struct AlignedFree {
  void operator()(std::uint64_t* p) const { std::free(p); }
};

inline std::uint64_t* aligned_words(std::size_t n) {
  const std::size_t bytes = ((n * 8 + 63) / 64) * 64;
  void* p = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<std::uint64_t*>(p);
}

// An owned, 64-byte aligned array of words.
class Words {
 public:
  Words() = default;
  explicit Words(std::size_t n, std::uint64_t fill = 0) : n_(n), p_(aligned_words(n)) {
    for (std::size_t i = 0; i < n; ++i) p_.get()[i] = fill;
  }
  Words(const Words& o) : n_(o.n_), p_(o.n_ ? aligned_words(o.n_) : nullptr) {
    if (n_) std::memcpy(p_.get(), o.p_.get(), n_ * 8);
  }
  Words& operator=(const Words& o) {
    if (this != &o) *this = Words(o);
    return *this;
  }
  Words(Words&&) noexcept = default;
  Words& operator=(Words&&) noexcept = default;
  std::uint64_t* data() { return p_.get(); }
  const std::uint64_t* data() const { return p_.get(); }
  std::size_t size() const { return n_; }
  std::uint64_t& operator[](std::size_t i) { return p_.get()[i]; }
  std::uint64_t operator[](std::size_t i) const { return p_.get()[i]; }

 private:
  std::size_t n_ = 0;
  std::unique_ptr<std::uint64_t, AlignedFree> p_;
};

// Immutable gate values shared between a parent and its offspring.
using SharedWords = std::shared_ptr<std::uint64_t>;
// A gate-value buffer of n words from a recycling pool: buffers are carved
// from 2 MiB huge-page-backed slabs (fewer TLB misses when the evaluator
// reads hundreds of gates' values at the same offset) and return to the
// pool when the last individual sharing them goes away.
SharedWords make_shared_words(std::size_t n);

}  // namespace flowrun::approx
