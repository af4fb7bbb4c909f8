// The evaluation engine's hot loops. Every loop over a block runs over
// kBlockWords words with no dependence between words, so the compiler
// vectorizes it (the plugin builds this file with -O3 and, on x86-64,
// AVX2 when the build machine has it).
#include "evaluator.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
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
  alignas(64) u64 borrow[B] = {};
  alignas(64) u64 nz[B] = {};
  for (std::uint32_t k = 0; k < D; ++k) {
    const u64* ap = k < n_out ? outp[k] + off : (p.is_signed ? outp[n_out - 1] + off : p.zeros.data() + off);
    const u64* ep = p.exact[k].data() + off;
    u64* dk = be.abs[k];
    for (std::size_t w = 0; w < B; ++w) {
      const u64 a = ap[w], e = ep[w], br = borrow[w];
      const u64 d = a ^ e ^ br;
      borrow[w] = (~a & (e | br)) | (a & e & br);
      dk[w] = d;
      nz[w] |= d;
    }
  }
  // Two's complement absolute value: (d ^ s) + s, s = sign plane.
  alignas(64) u64 sign[B], carry[B];
  for (std::size_t w = 0; w < B; ++w) sign[w] = carry[w] = be.abs[D - 1][w];
  for (std::uint32_t k = 0; k < D; ++k) {
    u64* dk = be.abs[k];
    for (std::size_t w = 0; w < B; ++w) {
      const u64 t = dk[w] ^ sign[w];
      dk[w] = t ^ carry[w];
      carry[w] = t & carry[w];
    }
  }
  const u64* valid = p.valid.data() + off;
  for (std::size_t w = 0; w < B; ++w) be.nz[w] = nz[w] & valid[w];
}

// True when some valid assignment of the block has |e| > t (t >= 0).
inline bool block_exceeds(const Problem& p, const BlockError& be, std::size_t off, std::int64_t t) {
  const std::uint32_t D = p.diff_bits;
  alignas(64) u64 gt[B] = {}, eq[B];
  const u64* valid = p.valid.data() + off;
  for (std::size_t w = 0; w < B; ++w) eq[w] = valid[w];
  for (std::uint32_t k = D; k-- > 0;) {
    const u64* ak = be.abs[k];
    if ((static_cast<std::uint64_t>(t) >> k) & 1u) {
      for (std::size_t w = 0; w < B; ++w) eq[w] &= ak[w];
    } else {
      for (std::size_t w = 0; w < B; ++w) {
        gt[w] |= eq[w] & ak[w];
        eq[w] &= ~ak[w];
      }
    }
  }
  u64 any = 0;
  for (std::size_t w = 0; w < B; ++w) any |= gt[w];
  return any != 0;
}

// Largest |e| over the valid assignments of the block.
inline std::int64_t block_max(const Problem& p, const BlockError& be, std::size_t off) {
  const std::uint32_t D = p.diff_bits;
  alignas(64) u64 cand[B];
  const u64* valid = p.valid.data() + off;
  for (std::size_t w = 0; w < B; ++w) cand[w] = valid[w];
  std::int64_t m = 0;
  for (std::uint32_t k = D; k-- > 0;) {
    const u64* ak = be.abs[k];
    u64 any = 0;
    for (std::size_t w = 0; w < B; ++w) any |= cand[w] & ak[w];
    if (any) {
      m |= std::int64_t{1} << k;
      for (std::size_t w = 0; w < B; ++w) cand[w] &= ak[w];
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

// True when gate g's own words cannot be taken from the parent: it is new,
// changed, or was inactive there (no stored values).
inline bool seeds_cone(const Gate& g, const SharedWords* pv, std::size_t pv_size) {
  return g.origin < 0 || g.modified || static_cast<std::size_t>(g.origin) >= pv_size ||
         !pv[static_cast<std::size_t>(g.origin)];
}

// Stamps act[i] = stamp for every gate in the fan-in of the outputs and
// returns their summed cost. Active gates that seed the cone also get
// dirty[i] = stamp, and first_seed is the lowest of them (gates.size() if
// none), so the forward pass can start there: no gate before it can read a
// changed value. A function of its own
// so the accumulators stay in registers (inlined into evaluate() they were
// spilled, and the store-to-load chain through the stack cost ~10 cycles
// per gate).
[[gnu::noinline]] double mark_active_cost(const Genome& child, std::uint32_t fg, std::uint32_t* act,
                                          std::uint32_t* dirty, std::uint32_t stamp, const double* kind_cost,
                                          const SharedWords* pv, std::size_t pv_size, std::size_t& n_active,
                                          std::size_t& first_seed) {
  for (std::uint32_t s : child.outputs) if (s >= fg) act[s - fg] = stamp;
  const Gate* const gates = child.gates.data();
  double cost = 0;
  std::size_t count = 0;
  std::size_t seed = child.gates.size();
  for (std::size_t i = child.gates.size(); i-- > 0;) {
    if (act[i] != stamp) continue;
    const Gate& g = gates[i];
    cost += kind_cost[g.kind];
    ++count;
    if (seeds_cone(g, pv, pv_size)) {
      dirty[i] = stamp;
      seed = i;
    }
    if (g.in[0] >= fg) act[g.in[0] - fg] = stamp;
    if (g.arity == 2 && g.in[1] >= fg) act[g.in[1] - fg] = stamp;
  }
  n_active = count;
  first_seed = seed;
  return cost;
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
}

Evaluator::Evaluator(const Problem& problem, const std::vector<GateKind>& kinds)
    : problem_(&problem), kinds_(&kinds) {
  if (problem.diff_bits > kMaxDiffBits) throw std::invalid_argument("multiplier too wide for the evaluator");
  for (const auto& k : kinds) kind_cost_.push_back(k.cost);
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
  const std::size_t n = child.gates.size();
  Evaluation e;

  // Per-gate scratch is stamped rather than cleared: a gate is active
  // (dirty) for this candidate when active_[i] (dirty_[i]) == stamp_.
  if (active_.size() < n) {
    active_.resize(n, 0);
    dirty_.resize(n, 0);
    cone_pos_.resize(n, -1);
  }
  if (++stamp_ == 0) {
    std::fill(active_.begin(), active_.end(), 0);
    std::fill(dirty_.begin(), dirty_.end(), 0);
    stamp_ = 1;
  }
  const std::uint32_t st_id = stamp_;
  std::uint32_t* const act = active_.data();
  std::uint32_t* const dirty = dirty_.data();

  // Backward pass: activity (the transitive fan-in of the outputs) and cost.
  std::size_t n_active = 0;
  std::size_t first_seed = n;
  const Gate* const gates = child.gates.data();
  const SharedWords* const pv = parent.values.data();
  const std::size_t pv_size = parent.values.size();
  const double cost = mark_active_cost(child, fg, act, dirty, st_id, kind_cost_.data(), pv, pv_size, n_active, first_seed);
  e.cost = cost;
  e.active_gates = n_active;
  cone_.clear();
  if (cost > reject_above) {
    e.outcome = Outcome::CostRejected;
    return e;
  }

  // Forward pass from the first seed: the cone (the seeds stamped above,
  // and active gates that read a gate of the cone).
  // Locals, not members: stores through dirty could otherwise alias the
  // vectors' own fields and force reloads on every gate.
  for (std::size_t i = first_seed; i < n; ++i) {
    if (act[i] != st_id) continue;
    const Gate& g = gates[i];
    const bool d = dirty[i] == st_id || (g.in[0] >= fg && dirty[g.in[0] - fg] == st_id) ||
                   (g.arity == 2 && g.in[1] >= fg && dirty[g.in[1] - fg] == st_id);
    if (d) {
      dirty[i] = st_id;
      cone_pos_[i] = static_cast<std::int32_t>(cone_.size());
      cone_.push_back(static_cast<std::uint32_t>(i));
    }
  }
  bool outputs_changed = parent.genome.outputs.size() != child.outputs.size();
  for (std::size_t k = 0; k < child.outputs.size() && !outputs_changed; ++k) {
    const std::uint32_t s = child.outputs[k];
    const std::uint32_t ps = parent.genome.outputs[k];
    if (s < fg) {
      outputs_changed = s != ps;
    } else {
      const Gate& g = gates[s - fg];
      outputs_changed = dirty[s - fg] == st_id || fg + static_cast<std::uint32_t>(g.origin) != ps;
    }
  }
  e.cone_size = cone_.size();
  e.full = cone_.size() == n_active;
  if (cone_.empty() && !outputs_changed) {
    e.outcome = Outcome::Skipped;
    e.stats = parent.stats;
    e.fitness = cost + bounds.penalty * bound_excess(p, bounds, e.stats);
    return e;
  }

  prepare_cone_buffers(cone_.size());
  // Value words of a signal the cone or an output reads: a constant or
  // input, a cone gate's new buffer, or the parent's buffer (looked up only
  // for these few signals rather than stored for every gate).
  auto words_of = [&](std::uint32_t s) -> const u64* {
    if (s < fg) return p.signal_base(s);
    const std::uint32_t i = s - fg;
    if (dirty[i] == st_id) return cone_values_[static_cast<std::size_t>(cone_pos_[i])].get();
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
  steps.resize(cone_.size());
  for (std::size_t j = 0; j < cone_.size(); ++j) {
    const Gate& g = child.gates[cone_[j]];
    steps[j].op = op_of(kinds[g.kind]);
    steps[j].a = words_of(g.in[0]);
    steps[j].b = words_of(g.arity == 2 ? g.in[1] : g.in[0]);
    steps[j].y = cone_values_[j].get();
  }

  const std::int64_t t_eps = bounds.wce_threshold(p);
  const bool track = bounds.max_nmed > 0 || bounds.max_er > 0 || bounds.max_mre > 0;
  std::int64_t t_cur = t_eps;  // the largest |e| seen so far, or t_eps
  ErrorStats st;
  st.sums_tracked = track;
  thread_local BlockError be;
  const std::size_t nb = p.num_blocks;
  if (start_block_ >= nb) start_block_ = 0;
  for (std::size_t bi = 0; bi < nb; ++bi) {
    const std::size_t blk = (start_block_ + bi) % nb;
    const std::size_t off = blk * B;
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
      worse = true;
    }
    if (worse) {
      st.wce_abs = t_cur;
      const double lower_bound = cost + bounds.penalty * bound_excess(p, bounds, st);
      if (lower_bound > reject_above) {
        start_block_ = blk;  // rejections tend to repeat in the same place
        e.outcome = Outcome::EarlyRejected;
        return e;
      }
    }
  }
  st.wce_abs = t_cur;
  st.wce_exact = t_cur > t_eps;
  e.stats = st;
  e.fitness = cost + bounds.penalty * bound_excess(p, bounds, st);
  e.outcome = Outcome::Evaluated;
  return e;
}

Individual Evaluator::adopt(Genome child, const Individual& parent, const Evaluation& e) {
  Individual ind;
  const std::size_t n = child.gates.size();
  ind.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (active_[i] != stamp_) continue;
    ind.values[i] = dirty_[i] == stamp_ ? cone_values_[static_cast<std::size_t>(cone_pos_[i])]
                              : parent.values[static_cast<std::size_t>(child.gates[i].origin)];
  }
  ind.genome = std::move(child);
  ind.genome.make_parent();
  ind.cost = e.cost;
  ind.stats = e.stats;
  ind.fitness = e.fitness;
  ind.active_gates = e.active_gates;
  return ind;
}

Individual Evaluator::build(Genome g, const Bounds& bounds) {
  Individual empty;
  g.make_parent();
  for (auto& gate : g.gates) gate.modified = 1;
  const Evaluation e = evaluate(g, empty, bounds, std::numeric_limits<double>::infinity());
  Individual ind = adopt(std::move(g), empty, e);
  const bool track = bounds.max_nmed > 0 || bounds.max_er > 0 || bounds.max_mre > 0;
  ind.stats = exact_stats(ind, track);
  ind.fitness = ind.cost + bounds.penalty * bound_excess(*problem_, bounds, ind.stats);
  return ind;
}

ErrorStats Evaluator::exact_stats(const Individual& ind, bool with_sums) {
  const Problem& p = *problem_;
  const std::uint32_t fg = ind.genome.first_gate();
  const u64* outp[kMaxDiffBits];
  for (std::size_t k = 0; k < ind.genome.outputs.size(); ++k) {
    const std::uint32_t s = ind.genome.outputs[k];
    outp[k] = s < fg ? p.signal_base(s) : ind.values[s - fg].get();
  }
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
    }
  }
  return st;
}

}  // namespace flowrun::approx
