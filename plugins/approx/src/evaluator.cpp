// The evaluation engine's hot loops. Gate loops run over kBlockWords words
// with no dependence between words, so the compiler vectorizes them; the
// error arithmetic, whose loops over bit planes and words the compiler
// left scalar, is written with explicit 4-word vectors (GCC/Clang vector
// extensions: AVX2 registers when the plugin is built with -march=x86-64-v3,
// pairs of SSE registers or scalar code otherwise).
#include "evaluator.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace flowrun::approx {

namespace {

using u64 = std::uint64_t;
constexpr std::size_t B = kBlockWords;
constexpr std::uint32_t kMaxDiffBits = 24;

// Operation codes: a two-input cell's 4-bit truth table (row = a | b<<1),
// or 16 + a one-input cell's 2-bit truth table.
inline std::uint8_t op_of(const GateKind& k) {
  return k.arity == 1 ? static_cast<std::uint8_t>(16 + (k.truth & 3u)) : static_cast<std::uint8_t>(k.truth & 15u);
}

#define FLOWRUN_GATE_LOOP(expr) \
  for (std::size_t w = 0; w < B; ++w) { const u64 x = a[w], z = b[w]; (void)x; (void)z; y[w] = (expr); } \
  return;

inline void eval_gate(std::uint8_t op, const u64* __restrict a, const u64* __restrict b, u64* __restrict y) {
  switch (op) {
    case 0: FLOWRUN_GATE_LOOP(u64{0})
    case 1: FLOWRUN_GATE_LOOP(~(x | z))
    case 2: FLOWRUN_GATE_LOOP(x & ~z)
    case 3: FLOWRUN_GATE_LOOP(~z)
    case 4: FLOWRUN_GATE_LOOP(~x & z)
    case 5: FLOWRUN_GATE_LOOP(~x)
    case 6: FLOWRUN_GATE_LOOP(x ^ z)
    case 7: FLOWRUN_GATE_LOOP(~(x & z))
    case 8: FLOWRUN_GATE_LOOP(x & z)
    case 9: FLOWRUN_GATE_LOOP(~(x ^ z))
    case 10: FLOWRUN_GATE_LOOP(x)
    case 11: FLOWRUN_GATE_LOOP(x | ~z)
    case 12: FLOWRUN_GATE_LOOP(z)
    case 13: FLOWRUN_GATE_LOOP(~x | z)
    case 14: FLOWRUN_GATE_LOOP(x | z)
    case 15: FLOWRUN_GATE_LOOP(~u64{0})
    default: break;
  }
  b = a;  // one-input cells
  switch (op) {
    case 16: FLOWRUN_GATE_LOOP(u64{0})
    case 17: FLOWRUN_GATE_LOOP(~x)
    case 18: FLOWRUN_GATE_LOOP(x)
    case 19: FLOWRUN_GATE_LOOP(~u64{0})
    default: break;
  }
}
#undef FLOWRUN_GATE_LOOP

// Four words as one vector; loads and stores go through memcpy, so the
// word arrays keep their own type (no aliasing questions). Without AVX,
// GCC notes that 32-byte vector arguments change the calling convention;
// everything here has internal linkage, so that does not matter.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef u64 v4 __attribute__((vector_size(32)));
constexpr std::size_t V = B / 4;
static_assert(B % 4 == 0, "blocks are whole vectors");
inline v4 ld(const u64* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void st(u64* p, const v4& v) { std::memcpy(p, &v, sizeof v); }
inline bool any_bit(const v4* x) {
  v4 acc = x[0];
  for (std::size_t v = 1; v < V; ++v) acc |= x[v];
  return (acc[0] | acc[1] | acc[2] | acc[3]) != 0;
}

// |approx - exact| of one block, bit-sliced: abs[k][w] is bit k of the
// absolute error of the 64 assignments of word w. Also returns the words
// in which the error is non-zero (nz).
struct BlockError {
  alignas(64) u64 abs[kMaxDiffBits][B];
  alignas(64) u64 nz[B];
};

inline void block_abs_error(const Problem& p, const u64* const* outp, std::size_t off, BlockError& be) {
  const std::uint32_t D = p.diff_bits;
  const std::uint32_t n_out = p.n_outputs;
  v4 borrow[V] = {}, nz[V] = {};
  // Ripple-borrow subtraction approx - exact, one bit plane at a time.
  for (std::uint32_t k = 0; k < D; ++k) {
    const u64* ap = k < n_out ? outp[k] + off : (p.is_signed ? outp[n_out - 1] + off : p.zeros.data() + off);
    const u64* ep = p.exact[k].data() + off;
    for (std::size_t v = 0; v < V; ++v) {
      const v4 a = ld(ap + 4 * v), e = ld(ep + 4 * v), br = borrow[v];
      const v4 d = a ^ e ^ br;
      borrow[v] = (~a & (e | br)) | (a & e & br);
      st(be.abs[k] + 4 * v, d);
      nz[v] |= d;
    }
  }
  // Two's complement absolute value: (d ^ s) + s, s = sign plane.
  v4 sign[V], carry[V];
  for (std::size_t v = 0; v < V; ++v) sign[v] = carry[v] = ld(be.abs[D - 1] + 4 * v);
  for (std::uint32_t k = 0; k < D; ++k) {
    for (std::size_t v = 0; v < V; ++v) {
      const v4 t = ld(be.abs[k] + 4 * v) ^ sign[v];
      st(be.abs[k] + 4 * v, t ^ carry[v]);
      carry[v] = t & carry[v];
    }
  }
  const u64* valid = p.valid.data() + off;
  for (std::size_t v = 0; v < V; ++v) st(be.nz + 4 * v, nz[v] & ld(valid + 4 * v));
}

// True when some valid assignment of the block has |e| > t (t >= 0): a
// bit-serial comparison from the top plane down.
inline bool block_exceeds(const Problem& p, const BlockError& be, std::size_t off, std::int64_t t) {
  const std::uint32_t D = p.diff_bits;
  v4 gt[V] = {}, eq[V];
  const u64* valid = p.valid.data() + off;
  for (std::size_t v = 0; v < V; ++v) eq[v] = ld(valid + 4 * v);
  for (std::uint32_t k = D; k-- > 0;) {
    const u64* ak = be.abs[k];
    if ((static_cast<std::uint64_t>(t) >> k) & 1u) {
      for (std::size_t v = 0; v < V; ++v) eq[v] &= ld(ak + 4 * v);
    } else {
      for (std::size_t v = 0; v < V; ++v) {
        const v4 a = ld(ak + 4 * v);
        gt[v] |= eq[v] & a;
        eq[v] &= ~a;
      }
    }
  }
  return any_bit(gt);
}

// Largest |e| over the valid assignments of the block.
inline std::int64_t block_max(const Problem& p, const BlockError& be, std::size_t off) {
  const std::uint32_t D = p.diff_bits;
  v4 cand[V];
  const u64* valid = p.valid.data() + off;
  for (std::size_t v = 0; v < V; ++v) cand[v] = ld(valid + 4 * v);
  std::int64_t m = 0;
  for (std::uint32_t k = D; k-- > 0;) {
    const u64* ak = be.abs[k];
    v4 hit[V];
    for (std::size_t v = 0; v < V; ++v) hit[v] = cand[v] & ld(ak + 4 * v);
    if (any_bit(hit)) {
      m |= std::int64_t{1} << k;
      for (std::size_t v = 0; v < V; ++v) cand[v] = hit[v];
    }
  }
  return m;
}

inline std::uint64_t block_sum_abs(const Problem& p, const BlockError& be, std::size_t off) {
  const u64* valid = p.valid.data() + off;
  std::uint64_t sum = 0;
  for (std::uint32_t k = 0; k < p.diff_bits; ++k) {
    std::uint64_t c = 0;
    for (std::size_t w = 0; w < B; ++w) c += static_cast<std::uint64_t>(std::popcount(be.abs[k][w] & valid[w]));
    sum += c << k;
  }
  return sum;
}

// sum w_k |e_k| over the block: per error plane k and weight plane j,
// popcount(plane_k & weight_j) << (k + j); planes without a bit skipped.
inline std::uint64_t block_weighted_sum(const Problem& p, const BlockError& be, std::size_t off) {
  const std::uint32_t planes = p.block_weight_planes[off / B];
  std::uint64_t sum = 0;
  for (std::uint32_t k = 0; k < p.diff_bits; ++k) {
    const u64* ak = be.abs[k];
    u64 any = 0;
    for (std::size_t w = 0; w < B; ++w) any |= ak[w];
    if (!any) continue;
    for (std::uint32_t m = planes; m;) {
      const int j = std::countr_zero(m);
      m &= m - 1;
      const u64* wj = p.weight_planes[static_cast<std::size_t>(j)].data() + off;
      std::uint64_t c = 0;
      for (std::size_t w = 0; w < B; ++w) c += static_cast<std::uint64_t>(std::popcount(ak[w] & wj[w]));
      sum += c << (k + static_cast<std::uint32_t>(j));
    }
  }
  return sum;
}

inline std::uint64_t block_errors(const BlockError& be) {
  std::uint64_t c = 0;
  for (std::size_t w = 0; w < B; ++w) c += static_cast<std::uint64_t>(std::popcount(be.nz[w]));
  return c;
}

// sum |e_k| / |exact_k| over the block (exact_k = 0 contributes nothing).
inline double block_mre_sum(const Problem& p, const BlockError& be, std::size_t off) {
  double s = 0;
  for (std::size_t w = 0; w < B; ++w) {
    u64 nz = be.nz[w];
    while (nz) {
      const int t = std::countr_zero(nz);
      nz &= nz - 1;
      std::uint64_t v = 0;
      for (std::uint32_t k = 0; k < p.diff_bits; ++k) v |= ((be.abs[k][w] >> t) & 1u) << k;
      const std::size_t idx = (off + w) * 64 + static_cast<std::size_t>(t);
      s += static_cast<double>(v) * p.inv_abs_exact[idx];
    }
  }
  return s;
}

}  // namespace

std::int64_t Bounds::wce_threshold(const Problem& p) const {
  if (eps <= 0) return 0;
  auto t = static_cast<std::int64_t>(std::floor(eps * p.normalizer));
  while (t > 0 && static_cast<double>(t) / p.normalizer > eps) --t;
  while (static_cast<double>(t + 1) / p.normalizer <= eps) ++t;
  return t;
}

double bound_excess(const Problem& p, const Bounds& b, const ErrorStats& s) {
  double x = 0;
  const double wce = static_cast<double>(s.wce_abs) / p.normalizer;
  if (s.wce_abs > b.wce_threshold(p)) x += wce - b.eps;
  if (s.sums_tracked) {
    const double n = static_cast<double>(p.num_vectors);
    if (b.max_nmed > 0) x += std::max(0.0, static_cast<double>(s.sum_abs) / (n * p.normalizer) - b.max_nmed);
    if (b.max_er > 0) x += std::max(0.0, static_cast<double>(s.errors) / n - b.max_er);
    if (b.max_mre > 0 && p.nonzero_exact > 0) {
      x += std::max(0.0, s.mre_sum / static_cast<double>(p.nonzero_exact) - b.max_mre);
    }
    if (b.max_wmed > 0 && p.weighted()) {
      x += std::max(0.0, static_cast<double>(s.wsum) / (static_cast<double>(p.weight_total) * p.normalizer) -
                             b.max_wmed);
    }
  }
  return x;
}

void EvalCounters::count(const Evaluation& e) {
  switch (e.outcome) {
    case Outcome::Skipped: ++skipped_inactive; break;
    case Outcome::CostRejected: ++cost_rejected; break;
    case Outcome::EarlyRejected: ++early_rejected; break;
    case Outcome::Evaluated: (e.full ? full : incremental)++; break;
  }
  if (e.blocks > 0) {
    cone_gates += e.cone_size;
    blocks += e.blocks;
  }
}

Evaluator::Evaluator(const Problem& problem, const std::vector<GateKind>& kinds)
    : problem_(&problem), kinds_(&kinds), plan_(kinds) {
  if (problem.diff_bits > kMaxDiffBits) throw std::invalid_argument("multiplier too wide for the evaluator");
}

void Evaluator::prepare_cone_buffers(std::size_t n) {
  if (cone_values_.size() < n) cone_values_.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    // A buffer adopted by an individual is immutable from then on.
    if (!cone_values_[j] || cone_values_[j].use_count() > 1) cone_values_[j] = make_shared_words(problem_->num_words);
  }
}

Evaluation Evaluator::evaluate(const Genome& child, const Individual& parent, const Bounds& bounds,
                               double reject_above) {
  const Problem& p = *problem_;
  const auto& kinds = *kinds_;
  const std::uint32_t fg = child.first_gate();
  Evaluation e;

  plan_.activity(child, parent);
  e.cost_units = plan_.cost_units();
  e.active_gates = plan_.active_gates();
  const double cost = e.cost();
  if (cost > reject_above) {
    e.outcome = Outcome::CostRejected;
    return e;
  }
  plan_.cone();
  const std::vector<std::uint32_t>& cone = plan_.gates();
  e.cone_size = cone.size();
  e.full = cone.size() == e.active_gates;
  if (cone.empty() && !plan_.outputs_changed()) {
    e.outcome = Outcome::Skipped;
    e.stats = parent.stats;
    e.fitness = cost + bounds.penalty * bound_excess(p, bounds, e.stats);
    return e;
  }

  prepare_cone_buffers(cone.size());
  // Value words of a signal the cone or an output reads: a constant or
  // input, a cone gate's new buffer, or the parent's buffer.
  const Gate* const gates = child.gates.data();
  const SharedWords* const pv = parent.values.data();
  auto words_of = [&](std::uint32_t s) -> const u64* {
    if (s < fg) return p.signal_base(s);
    const std::uint32_t i = s - fg;
    const std::int32_t pos = plan_.cone_pos(i);
    if (pos >= 0) return cone_values_[static_cast<std::size_t>(pos)].get();
    return pv[static_cast<std::size_t>(gates[i].origin)].get();
  };
  const u64* outp[kMaxDiffBits];
  for (std::size_t k = 0; k < child.outputs.size(); ++k) outp[k] = words_of(child.outputs[k]);

  // Gate programs of the cone: op code and word pointers, resolved once.
  struct Step {
    std::uint8_t op;
    const u64* a;
    const u64* b;
    u64* y;
  };
  thread_local std::vector<Step> steps;
  steps.resize(cone.size());
  for (std::size_t j = 0; j < cone.size(); ++j) {
    const Gate& g = gates[cone[j]];
    steps[j].op = op_of(kinds[g.kind]);
    steps[j].a = words_of(g.in[0]);
    steps[j].b = words_of(g.arity == 2 ? g.in[1] : g.in[0]);
    steps[j].y = cone_values_[j].get();
  }

  const std::int64_t t_eps = bounds.wce_threshold(p);
  const bool track = bounds.tracks_sums();
  const bool weighted = bounds.max_wmed > 0 && p.weighted();
  std::int64_t t_cur = t_eps;  // the largest |e| seen so far, or t_eps
  ErrorStats st;
  st.sums_tracked = track;
  thread_local BlockError be;
  // Simulates one block; true when the candidate is now certainly worse
  // than reject_above.
  auto rejected_at = [&](std::size_t blk) {
    const std::size_t off = blk * B;
    ++e.blocks;
    for (const Step& s : steps) eval_gate(s.op, s.a + off, s.b + off, s.y + off);
    block_abs_error(p, outp, off, be);
    bool worse = false;
    if (block_exceeds(p, be, off, t_cur)) {
      t_cur = block_max(p, be, off);
      worse = true;
    }
    if (track) {
      if (bounds.max_nmed > 0) st.sum_abs += block_sum_abs(p, be, off);
      st.errors += block_errors(be);
      if (bounds.max_mre > 0) st.mre_sum += block_mre_sum(p, be, off);
      if (weighted) st.wsum += block_weighted_sum(p, be, off);
      worse = true;
    }
    if (!worse) return false;
    st.wce_abs = t_cur;
    return cost + bounds.penalty * bound_excess(p, bounds, st) > reject_above;
  };
  // Block order: the blocks of the last few rejections first (most recent
  // first: the inputs that expose one bad mutation tend to expose the
  // next), then the rest from the last rejection on. Every block is
  // visited once, so the outcome does not depend on the order.
  const std::size_t nb = p.num_blocks;
  if (start_block_ >= nb) {
    start_block_ = 0;
    hot_count_ = 0;
  }
  auto reject = [&](std::size_t blk) {
    std::size_t k = 0;
    while (k < hot_count_ && hot_[k] != blk) ++k;
    if (k == hot_count_ && hot_count_ < hot_.size()) ++hot_count_;
    for (k = std::min(k, hot_count_ - 1); k > 0; --k) hot_[k] = hot_[k - 1];
    hot_[0] = blk;
    start_block_ = blk;
    e.outcome = Outcome::EarlyRejected;
    return e;
  };
  for (std::size_t k = 0; k < hot_count_; ++k) {
    if (rejected_at(hot_[k])) return reject(hot_[k]);
  }
  for (std::size_t bi = 0; bi < nb; ++bi) {
    const std::size_t blk = (start_block_ + bi) % nb;
    if (std::find(hot_.begin(), hot_.begin() + static_cast<std::ptrdiff_t>(hot_count_), blk) !=
        hot_.begin() + static_cast<std::ptrdiff_t>(hot_count_)) {
      continue;
    }
    if (rejected_at(blk)) return reject(blk);
  }
  st.wce_abs = t_cur;
  st.wce_exact = t_cur > t_eps;
  e.stats = st;
  e.fitness = cost + bounds.penalty * bound_excess(p, bounds, st);
  e.outcome = Outcome::Evaluated;
  return e;
}

Individual Evaluator::adopt(Genome child, const Individual& parent, const Evaluation& e) {
  plan_.rebind(child);  // the caller may have moved the evaluated genome
  Individual ind;
  const auto n = static_cast<std::uint32_t>(child.gates.size());
  ind.values.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!plan_.active(i)) continue;
    const std::int32_t pos = plan_.cone_pos(i);
    ind.values[i] = pos >= 0 ? cone_values_[static_cast<std::size_t>(pos)]
                             : parent.values[static_cast<std::size_t>(child.gates[i].origin)];
  }
  ind.genome = std::move(child);
  ind.genome.make_parent();
  index_individual(ind);
  ind.cost_units = e.cost_units;
  ind.stats = e.stats;
  ind.fitness = e.fitness;
  return ind;
}

Individual Evaluator::build(Genome g, const Bounds& bounds) {
  Individual empty;
  g.make_parent();
  g.forget_edits();
  for (auto& gate : g.gates) gate.modified = 1;
  const Evaluation e = evaluate(g, empty, bounds, std::numeric_limits<double>::infinity());
  Individual ind = adopt(std::move(g), empty, e);
  ind.stats = exact_stats(ind, bounds.tracks_sums());
  ind.fitness = ind.cost() + bounds.penalty * bound_excess(*problem_, bounds, ind.stats);
  return ind;
}

ErrorStats Evaluator::exact_stats(const Individual& ind, bool with_sums) {
  const Problem& p = *problem_;
  const u64* outp[kMaxDiffBits];
  for (std::size_t k = 0; k < ind.genome.outputs.size(); ++k) outp[k] = output_words(p, ind, k);
  ErrorStats st;
  st.wce_exact = true;
  st.sums_tracked = with_sums;
  thread_local BlockError be;
  for (std::size_t blk = 0; blk < p.num_blocks; ++blk) {
    const std::size_t off = blk * B;
    block_abs_error(p, outp, off, be);
    st.wce_abs = std::max(st.wce_abs, block_max(p, be, off));
    if (with_sums) {
      st.sum_abs += block_sum_abs(p, be, off);
      st.errors += block_errors(be);
      st.mre_sum += block_mre_sum(p, be, off);
      if (p.weighted()) st.wsum += block_weighted_sum(p, be, off);
    }
  }
  return st;
}

}  // namespace flowrun::approx
