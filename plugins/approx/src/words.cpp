// The gate-value buffer pool.
#include "words.hpp"

#include <sys/mman.h>

#include <map>
#include <mutex>
#include <vector>

namespace flowrun::approx {

namespace {

constexpr std::size_t kSlabBytes = std::size_t{2} << 20;

class BufferPool {
 public:
  std::uint64_t* get(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& free = free_[bytes];
    if (free.empty()) refill(bytes, free);
    std::uint64_t* p = free.back();
    free.pop_back();
    return p;
  }
  void put(std::uint64_t* p, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    free_[bytes].push_back(p);
  }

 private:
  void refill(std::size_t bytes, std::vector<std::uint64_t*>& free) {
    const std::size_t slab = bytes >= kSlabBytes ? bytes : kSlabBytes;
    void* mem = std::aligned_alloc(kSlabBytes, ((slab + kSlabBytes - 1) / kSlabBytes) * kSlabBytes);
    if (!mem) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(mem, slab, MADV_HUGEPAGE);
#endif
    // Slabs live as long as the process: the pool only grows to the peak
    // number of buffers in use.
    // Buffers sit one cache line further apart than their size. Equal
    // sizes at a power-of-two stride would put block k of every gate in
    // the same cache set, and simulating a block reads block k of hundreds
    // of gates: the odd stride spreads them over the sets.
    auto* base = static_cast<char*>(mem);
    const std::size_t stride = bytes + 64;
    for (std::size_t off = 0; off + bytes <= slab; off += stride) {
      free.push_back(reinterpret_cast<std::uint64_t*>(base + off));
    }
  }
  std::mutex mu_;
  std::map<std::size_t, std::vector<std::uint64_t*>> free_;
};

BufferPool& pool() {
  static BufferPool* p = new BufferPool();  // never destroyed: buffers may outlive statics
  return *p;
}

}  // namespace

SharedWords make_shared_words(std::size_t n) {
  const std::size_t bytes = ((n * 8 + 63) / 64) * 64;
  std::uint64_t* p = pool().get(bytes);
  return SharedWords(p, [bytes](std::uint64_t* q) { pool().put(q, bytes); });
}

}  // namespace flowrun::approx
