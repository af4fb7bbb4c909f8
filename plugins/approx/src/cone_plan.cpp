// Activity, cost and cone of an offspring: the incremental method and the
// full one it falls back to.
#include "cone_plan.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace flowrun::approx {

namespace {

// More edits than this and the full method is cheaper than replaying them
// (and crossover children, with hundreds of new gates, take it at once).
constexpr std::size_t kMaxEdits = 64;

// True when gate g's own values cannot be taken from the parent: it is
// new, changed, or was inactive there (no stored values).
inline bool seeds_cone(const Gate& g, const SharedWords* pv, std::size_t pv_size) {
  return g.origin < 0 || g.modified || static_cast<std::size_t>(g.origin) >= pv_size ||
         !pv[static_cast<std::size_t>(g.origin)];
}

// The full method's backward pass: stamps act[i] for every gate in the
// fan-in of the outputs and returns their summed cost; stamps seed[i] for
// the active gates that seed the cone and returns the lowest of them in
// first_seed (gates.size() if none). A function of its own so its
// accumulators stay in registers.
[[gnu::noinline]] std::int64_t mark_active_cost(const Genome& child, std::uint32_t fg, std::uint32_t* act,
                                                std::uint32_t* seed, std::uint32_t stamp,
                                                const std::int64_t* kind_units, const SharedWords* pv,
                                                std::size_t pv_size, std::size_t& n_active,
                                                std::size_t& first_seed) {
  for (std::uint32_t s : child.outputs) if (s >= fg) act[s - fg] = stamp;
  const Gate* const gates = child.gates.data();
  std::int64_t units = 0;
  std::size_t count = 0;
  std::size_t first = child.gates.size();
  for (std::size_t i = child.gates.size(); i-- > 0;) {
    if (act[i] != stamp) continue;
    const Gate& g = gates[i];
    units += kind_units[g.kind];
    ++count;
    if (seeds_cone(g, pv, pv_size)) {
      seed[i] = stamp;
      first = i;
    }
    if (g.in[0] >= fg) act[g.in[0] - fg] = stamp;
    if (g.arity == 2 && g.in[1] >= fg) act[g.in[1] - fg] = stamp;
  }
  n_active = count;
  first_seed = first;
  return units;
}

}  // namespace

ConePlan::ConePlan(const std::vector<GateKind>& kinds) {
  for (const auto& k : kinds) kind_units_.push_back(flowrun::approx::cost_units(k.cost));
}

void ConePlan::next_stamp(std::size_t n, std::size_t nodes) {
  if (act_.size() < n) {
    act_.resize(n, 0);
    seed_.resize(n, 0);
    cstamp_.resize(n, 0);
    cpos_.resize(n, -1);
  }
  if (nstamp_.size() < nodes) {
    nstamp_.resize(nodes, 0);
    nrefs_.resize(nodes, 0);
    nchild_.resize(nodes, 0);
    nflags_.resize(nodes, 0);
  }
  if (++stamp_ == 0) {
    std::fill(act_.begin(), act_.end(), 0);
    std::fill(seed_.begin(), seed_.end(), 0);
    std::fill(cstamp_.begin(), cstamp_.end(), 0);
    std::fill(nstamp_.begin(), nstamp_.end(), 0);
    stamp_ = 1;
  }
}

void ConePlan::activity(const Genome& child, const Individual& parent) {
  child_ = &child;
  parent_ = &parent;
  fg_ = child.first_gate();
  np_ = static_cast<std::uint32_t>(parent.genome.gates.size());
  next_stamp(child.gates.size(), np_ + child.gates.size());
  incremental_ = allow_incremental_ && parent.fanout.indexes(parent.genome) &&
                 activity_incremental();
  if (!incremental_) activity_full();
}

void ConePlan::cone() {
  cone_.clear();
  if (incremental_) cone_incremental();
  else cone_full();
  find_outputs_changed();
}

bool ConePlan::active(std::uint32_t i) const {
  if (!incremental_) return act_[i] == stamp_;
  return node_active(node_of_child(i));
}

// ---- full method -------------------------------------------------------

void ConePlan::activity_full() {
  const Individual& parent = *parent_;
  units_ = mark_active_cost(*child_, fg_, act_.data(), seed_.data(), stamp_, kind_units_.data(),
                            parent.values.data(), parent.values.size(), n_active_, first_seed_);
}

void ConePlan::cone_full() {
  const Gate* const gates = child_->gates.data();
  const std::size_t n = child_->gates.size();
  const std::uint32_t st = stamp_;
  const std::uint32_t fg = fg_;
  const std::uint32_t* const act = act_.data();
  const std::uint32_t* const seed = seed_.data();
  std::uint32_t* const cst = cstamp_.data();
  for (std::size_t i = first_seed_; i < n; ++i) {
    if (act[i] != st) continue;
    const Gate& g = gates[i];
    const bool in = seed[i] == st || (g.in[0] >= fg && cst[g.in[0] - fg] == st) ||
                    (g.arity == 2 && g.in[1] >= fg && cst[g.in[1] - fg] == st);
    if (in) {
      cst[i] = st;
      cpos_[i] = static_cast<std::int32_t>(cone_.size());
      cone_.push_back(static_cast<std::uint32_t>(i));
    }
  }
}

void ConePlan::find_outputs_changed() {
  const Genome& child = *child_;
  const Genome& pg = parent_->genome;
  outputs_changed_ = pg.outputs.size() != child.outputs.size();
  for (std::size_t k = 0; k < child.outputs.size() && !outputs_changed_; ++k) {
    const std::uint32_t s = child.outputs[k];
    const std::uint32_t ps = pg.outputs[k];
    if (s < fg_) {
      outputs_changed_ = s != ps;
    } else {
      const Gate& g = child.gates[s - fg_];
      outputs_changed_ = cone_pos(s - fg_) >= 0 || g.origin < 0 || fg_ + static_cast<std::uint32_t>(g.origin) != ps;
    }
  }
}

// ---- incremental method ------------------------------------------------

std::uint32_t ConePlan::node_of_child(std::uint32_t i) const {
  const std::int32_t o = child_->gates[i].origin;
  return o >= 0 ? static_cast<std::uint32_t>(o) : np_ + i;
}

// A surviving parent gate x sits at child index x - (gates deleted before
// it) + (gates inserted before it): within [x - deleted_, x + inserted_].
std::uint32_t ConePlan::child_of_node(std::uint32_t x) const {
  if (x >= np_) return x - np_;
  const Gate* const gates = child_->gates.data();
  const std::uint32_t n = static_cast<std::uint32_t>(child_->gates.size());
  const std::uint32_t lo = x > deleted_ ? x - deleted_ : 0;
  const std::uint32_t hi = std::min(n - 1, x + inserted_);
  for (std::uint32_t c = lo; c <= hi; ++c) {
    if (gates[c].origin == static_cast<std::int32_t>(x)) return c;
  }
  throw std::logic_error("cone plan: parent gate " + std::to_string(x) + " not in the child");
}

void ConePlan::touch(std::uint32_t x) {
  if (nstamp_[x] == stamp_) return;
  nstamp_[x] = stamp_;
  nrefs_[x] = x < np_ ? parent_->fanout.refs[x] : 0;
  nflags_[x] = 0;
}

bool ConePlan::node_active(std::uint32_t x) const {
  if (nstamp_[x] == stamp_) return nrefs_[x] > 0;
  return x < np_ && parent_->fanout.refs[x] > 0;
}

// A node's inputs as nodes: the child's once its edit is applied, else the
// parent's (a new gate has none before its edit).
int ConePlan::inputs_of(std::uint32_t x, std::uint32_t* in) const {
  int c = 0;
  if (nstamp_[x] == stamp_ && (nflags_[x] & kApplied)) {
    const Gate& g = child_->gates[x >= np_ ? x - np_ : nchild_[x]];
    for (int k = 0; k < g.arity; ++k) {
      if (g.in[k] >= fg_) in[c++] = node_of_child(g.in[k] - fg_);
    }
  } else if (x < np_) {
    const Gate& g = parent_->genome.gates[x];
    for (int k = 0; k < g.arity; ++k) {
      if (g.in[k] >= fg_) in[c++] = g.in[k] - fg_;
    }
  }
  return c;
}

std::int64_t ConePlan::units_of(std::uint32_t x) const {
  if (nstamp_[x] == stamp_ && (nflags_[x] & kApplied)) {
    return kind_units_[child_->gates[x >= np_ ? x - np_ : nchild_[x]].kind];
  }
  return x < np_ ? kind_units_[parent_->genome.gates[x].kind] : 0;
}

void ConePlan::flipped(std::uint32_t x) {
  if (nflags_[x] & kFlipped) return;
  nflags_[x] |= kFlipped;
  flips_.push_back(x);
}

// One reference more (delta +1) or less (-1) to x. A gate whose count
// leaves zero becomes active and references its inputs; one whose count
// reaches zero becomes inactive and releases them.
void ConePlan::change_refs(std::uint32_t x, int delta) {
  stack_.clear();
  stack_.push_back(x);
  while (!stack_.empty()) {
    const std::uint32_t y = stack_.back();
    stack_.pop_back();
    touch(y);
    const bool flips = delta > 0 ? nrefs_[y]++ == 0 : --nrefs_[y] == 0;
    if (!flips) continue;
    units_ += delta * units_of(y);
    n_active_ = static_cast<std::size_t>(static_cast<std::int64_t>(n_active_) + delta);
    flipped(y);
    std::uint32_t in[2];
    const int c = inputs_of(y, in);
    for (int k = 0; k < c; ++k) stack_.push_back(in[k]);
  }
}

// Replaces a node's type and inputs by the child gate's. Every state in
// between is a DAG (parent and child edges both follow one order: the
// child's, with deleted parent gates at their old places), so the
// reference cascades end.
void ConePlan::apply_edit(std::uint32_t child_gate) {
  const std::uint32_t x = node_of_child(child_gate);
  touch(x);
  std::uint32_t old_in[2], new_in[2];
  int old_c = 0;
  std::int64_t old_u = 0;
  const bool was_active = nrefs_[x] > 0;
  if (was_active) {
    old_c = inputs_of(x, old_in);
    old_u = units_of(x);
  }
  nflags_[x] |= kApplied;
  if (x < np_) nchild_[x] = child_gate;
  if (!was_active) return;
  const int new_c = inputs_of(x, new_in);
  units_ += units_of(x) - old_u;
  // References first, so a gate kept by both does not flicker off and on.
  for (int k = 0; k < new_c; ++k) change_refs(new_in[k], +1);
  for (int k = 0; k < old_c; ++k) change_refs(old_in[k], -1);
}

bool ConePlan::activity_incremental() {
  const Genome& child = *child_;
  const Genome& pg = parent_->genome;
  if (!child.edit_log_valid || child.edit_log.size() > kMaxEdits || child.n_inputs != pg.n_inputs ||
      child.outputs.size() != pg.outputs.size()) {
    return false;
  }
  // Surviving parent gates keep their order; between them sit the
  // inserted gates (all in the edit log) and the gaps of deleted ones.
  std::uint32_t inserted = 0;
  for (std::uint32_t j : child.edit_log) inserted += child.gates[j].origin < 0;
  const auto n = static_cast<std::uint32_t>(child.gates.size());
  if (np_ + inserted < n) return false;
  inserted_ = inserted;
  deleted_ = np_ + inserted - n;

  units_ = parent_->cost_units;
  n_active_ = parent_->active_gates;
  flips_.clear();
  for (std::uint32_t j : child.edit_log) apply_edit(j);
  for (std::size_t k = 0; k < child.outputs.size(); ++k) {
    const std::uint32_t cs = child.outputs[k], ps = pg.outputs[k];
    const bool c_gate = cs >= fg_, p_gate = ps >= fg_;
    const std::uint32_t cn = c_gate ? node_of_child(cs - fg_) : cs;
    const std::uint32_t pn = p_gate ? ps - fg_ : ps;
    if (c_gate == p_gate && cn == pn) continue;
    if (c_gate) change_refs(cn, +1);
    if (p_gate) change_refs(pn, -1);
  }
  return true;
}

void ConePlan::cone_incremental() {
  const FanoutIndex& fx = parent_->fanout;
  const std::size_t n = child_->gates.size();
  // Cone membership as a bit per node; the members in discovery order.
  const std::size_t node_words = (np_ + n + 63) / 64;
  cone_bits_.assign(node_words, 0);
  if (cone_nodes_.size() < np_ + n) cone_nodes_.resize(np_ + n);
  std::uint64_t* const bits = cone_bits_.data();
  std::uint32_t* const found = cone_nodes_.data();
  std::size_t count = 0;
  auto add = [&](std::uint32_t x) {
    const std::uint64_t m = std::uint64_t{1} << (x % 64);
    if ((bits[x / 64] & m) || !node_active(x)) return;
    bits[x / 64] |= m;
    found[count++] = x;
  };
  // Seeds: edited gates and gates that were inactive in the parent.
  for (std::uint32_t j : child_->edit_log) add(node_of_child(j));
  for (std::uint32_t x : flips_) {
    if (x < np_ && fx.refs[x] == 0) add(x);
  }
  // Every other cone gate is unchanged and so reads what it read in the
  // parent: it is an active reader there of a cone gate. (New and newly
  // active gates have no unchanged readers.)
  for (std::size_t q = 0; q < count; ++q) {
    const std::uint32_t x = found[q];
    if (x >= np_) continue;
    for (std::uint32_t r = fx.begin[x]; r < fx.begin[x + 1]; ++r) add(fx.readers[r]);
  }
  // Topological order = child index order. Without insertions and
  // deletions node x is child gate x and the node bits are already in
  // order; otherwise the members are mapped to a bit per child gate.
  const std::uint64_t* order = bits;
  const std::size_t child_words = (n + 63) / 64;
  if (inserted_ != 0 || deleted_ != 0) {
    child_bits_.assign(child_words, 0);
    for (std::size_t q = 0; q < count; ++q) {
      const std::uint32_t c = child_of_node(found[q]);
      child_bits_[c / 64] |= std::uint64_t{1} << (c % 64);
    }
    order = child_bits_.data();
  }
  cone_.resize(count);
  std::size_t j = 0;
  for (std::size_t w = 0; w < child_words; ++w) {
    for (std::uint64_t b = order[w]; b; b &= b - 1) {
      const auto c = static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(b)));
      cone_[j] = c;
      cstamp_[c] = stamp_;
      cpos_[c] = static_cast<std::int32_t>(j);
      ++j;
    }
  }
}

}  // namespace flowrun::approx
