// Genome invariants and mutation operators.
#include "genome.hpp"

#include <algorithm>
#include <stdexcept>

namespace flowrun::approx {

void Genome::make_parent() {
  for (std::size_t i = 0; i < gates.size(); ++i) {
    gates[i].origin = static_cast<std::int32_t>(i);
    gates[i].modified = 0;
  }
  edit_log.clear();
  edit_log_valid = true;
}

void Genome::mark_modified(std::size_t i) {
  if (gates[i].modified) return;  // new gates are logged on insertion
  gates[i].modified = 1;
  if (edit_log_valid) edit_log.push_back(static_cast<std::uint32_t>(i));
}

void Genome::insert_gate(std::size_t p, Gate g) {
  g.origin = -1;
  g.modified = 1;
  gates.insert(gates.begin() + static_cast<std::ptrdiff_t>(p), g);
  if (!edit_log_valid) return;
  for (auto& e : edit_log) if (e >= p) ++e;
  edit_log.push_back(static_cast<std::uint32_t>(p));
}

void Genome::erase_gate(std::size_t d) {
  gates.erase(gates.begin() + static_cast<std::ptrdiff_t>(d));
  if (!edit_log_valid) return;
  std::size_t w = 0;
  for (std::size_t r = 0; r < edit_log.size(); ++r) {
    const std::uint32_t e = edit_log[r];
    if (e == d) continue;
    edit_log[w++] = e > d ? e - 1 : e;
  }
  edit_log.resize(w);
}

void Genome::check(std::size_t n_kinds) const {
  const std::uint32_t fg = first_gate();
  for (std::size_t i = 0; i < gates.size(); ++i) {
    const Gate& gt = gates[i];
    if (gt.kind >= n_kinds) throw std::logic_error("gate " + std::to_string(i) + ": kind out of range");
    if (gt.arity < 1 || gt.arity > 2) throw std::logic_error("gate " + std::to_string(i) + ": bad arity");
    for (int k = 0; k < gt.arity; ++k) {
      if (gt.in[k] >= fg + i) {
        throw std::logic_error("gate " + std::to_string(i) + " input " + std::to_string(k) +
                               " refers to signal " + std::to_string(gt.in[k]) +
                               ", not before the gate (topological order broken)");
      }
    }
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k] >= num_signals()) throw std::logic_error("output " + std::to_string(k) + " out of range");
  }
  if (edit_log_valid) {
    std::vector<std::uint8_t> logged(gates.size(), 0);
    for (std::uint32_t e : edit_log) {
      if (e >= gates.size() || logged[e]) throw std::logic_error("edit log: bad or repeated entry " + std::to_string(e));
      logged[e] = 1;
    }
    for (std::size_t i = 0; i < gates.size(); ++i) {
      const bool edited = gates[i].origin < 0 || gates[i].modified;
      if (edited != static_cast<bool>(logged[i])) {
        throw std::logic_error("edit log: gate " + std::to_string(i) + (edited ? " edited but not logged" : " logged but not edited"));
      }
    }
  }
}

void mark_active(const Genome& g, std::vector<std::uint8_t>& active) {
  const std::uint32_t fg = g.first_gate();
  active.assign(g.gates.size(), 0);
  for (std::uint32_t s : g.outputs) if (s >= fg) active[s - fg] = 1;
  for (std::size_t i = g.gates.size(); i-- > 0;) {
    if (!active[i]) continue;
    const Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) if (gt.in[k] >= fg) active[gt.in[k] - fg] = 1;
  }
}

std::size_t count_active(const Genome& g) {
  std::vector<std::uint8_t> active;
  mark_active(g, active);
  return static_cast<std::size_t>(std::count(active.begin(), active.end(), 1));
}

double active_cost(const Genome& g, const std::vector<GateKind>& kinds,
                   const std::vector<std::uint8_t>& active) {
  double c = 0;
  for (std::size_t i = 0; i < g.gates.size(); ++i) if (active[i]) c += kinds[g.gates[i].kind].cost;
  return c;
}

std::vector<std::int32_t> prune_inactive(Genome& g) {
  std::vector<std::uint8_t> active;
  mark_active(g, active);
  const std::uint32_t fg = g.first_gate();
  std::vector<std::int32_t> map(g.gates.size(), -1);
  std::vector<Gate> kept;
  kept.reserve(g.gates.size());
  auto remap = [&](std::uint32_t s) { return s < fg ? s : fg + static_cast<std::uint32_t>(map[s - fg]); };
  for (std::size_t i = 0; i < g.gates.size(); ++i) {
    if (!active[i]) continue;
    Gate gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) gt.in[k] = remap(gt.in[k]);
    map[i] = static_cast<std::int32_t>(kept.size());
    kept.push_back(gt);
  }
  for (auto& s : g.outputs) s = remap(s);
  g.gates.swap(kept);
  return map;
}

const char* to_string(MutationKind k) {
  switch (k) {
    case MutationKind::Add: return "add";
    case MutationKind::Delete: return "delete";
    case MutationKind::ChangeType: return "change_type";
    case MutationKind::RewireInput: return "rewire_input";
    case MutationKind::RewireOutput: return "rewire_output";
    case MutationKind::Merge: return "merge";
    case MutationKind::Count: break;
  }
  return "?";
}

namespace {

// Every reference to a signal >= from moves by delta (gate insertion or
// removal shifts the ids of all later gates).
void shift_refs(Genome& g, std::size_t first_gate_index, std::uint32_t from, int delta) {
  for (std::size_t i = first_gate_index; i < g.gates.size(); ++i) {
    Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) if (gt.in[k] >= from) gt.in[k] += delta;
  }
  for (auto& s : g.outputs) if (s >= from) s += delta;
}

bool symmetric(const GateKind& k) {
  return k.arity == 2 && (((k.truth >> 1) & 1u) == ((k.truth >> 2) & 1u));
}

}  // namespace

void redirect_readers(Genome& g, std::size_t after, std::uint32_t from, std::uint32_t to) {
  for (std::size_t i = after; i < g.gates.size(); ++i) {
    Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) {
      if (gt.in[k] == from) {
        gt.in[k] = to;
        g.mark_modified(i);
      }
    }
  }
  for (auto& s : g.outputs) if (s == from) s = to;
}

bool Mutator::add_gate(Genome& g, Rng& rng) const {
  if (g.gates.size() >= max_gates || allowed.empty()) return false;
  const auto n = static_cast<std::uint32_t>(g.gates.size());
  const std::uint32_t p = rng.below(n + 1);
  const std::uint32_t fg = g.first_gate();
  const std::uint32_t sig = fg + p;
  Gate gt;
  gt.kind = allowed[rng.below(static_cast<std::uint32_t>(allowed.size()))];
  gt.arity = static_cast<std::uint8_t>((*kinds)[gt.kind].arity);
  for (int k = 0; k < gt.arity; ++k) gt.in[k] = rng.below(sig);
  shift_refs(g, p, sig, +1);
  g.insert_gate(p, gt);
  // Give the new gate a reader, so the mutation changes the function.
  std::uint32_t slots = static_cast<std::uint32_t>(g.outputs.size());
  for (std::size_t i = p + 1; i < g.gates.size(); ++i) slots += g.gates[i].arity;
  std::uint32_t r = rng.below(slots);
  for (std::size_t i = p + 1; i < g.gates.size(); ++i) {
    Gate& reader = g.gates[i];
    if (r < reader.arity) {
      reader.in[r] = sig;
      g.mark_modified(i);
      return true;
    }
    r -= reader.arity;
  }
  g.outputs[r] = sig;
  return true;
}

bool Mutator::delete_gate(Genome& g, Rng& rng) const {
  if (g.gates.empty()) return false;
  const auto n = static_cast<std::uint32_t>(g.gates.size());
  const std::uint32_t d = rng.below(n);
  const std::uint32_t fg = g.first_gate();
  const Gate victim = g.gates[d];
  // Readers of the deleted gate take one of its inputs instead (a bypass).
  const std::uint32_t bypass = victim.in[rng.below(victim.arity)];
  redirect_readers(g, d + 1, fg + d, bypass);
  g.erase_gate(d);
  shift_refs(g, d, fg + d + 1, -1);
  return true;
}

bool Mutator::change_type(Genome& g, Rng& rng) const {
  if (g.gates.empty() || allowed.empty()) return false;
  const std::uint32_t i = rng.below(static_cast<std::uint32_t>(g.gates.size()));
  Gate& gt = g.gates[i];
  std::uint16_t kind = allowed[rng.below(static_cast<std::uint32_t>(allowed.size()))];
  if (kind == gt.kind) {
    if (allowed.size() < 2) return false;
    kind = allowed[rng.below(static_cast<std::uint32_t>(allowed.size()))];
    if (kind == gt.kind) return false;
  }
  const auto arity = static_cast<std::uint8_t>((*kinds)[kind].arity);
  if (arity == 2 && gt.arity == 1) gt.in[1] = rng.below(g.first_gate() + i);
  if (arity == 1) gt.in[1] = 0;
  gt.kind = kind;
  gt.arity = arity;
  g.mark_modified(i);
  return true;
}

bool Mutator::rewire_input(Genome& g, Rng& rng) const {
  if (g.gates.empty()) return false;
  const std::uint32_t i = rng.below(static_cast<std::uint32_t>(g.gates.size()));
  Gate& gt = g.gates[i];
  const int k = static_cast<int>(rng.below(gt.arity));
  const std::uint32_t limit = g.first_gate() + i;
  // Tying an input to a constant is how most approximations start (a
  // partial product dropped), so constants get 1/8 of the draws instead of
  // 2 in a few hundred.
  std::uint32_t s = rng.below(8) == 0 ? rng.below(2) : rng.below(limit);
  if (s == gt.in[k]) s = rng.below(limit);
  if (s == gt.in[k]) return false;
  gt.in[k] = s;
  g.mark_modified(i);
  return true;
}

bool Mutator::rewire_output(Genome& g, Rng& rng) const {
  if (g.outputs.empty()) return false;
  const std::uint32_t k = rng.below(static_cast<std::uint32_t>(g.outputs.size()));
  std::uint32_t s = rng.below(g.num_signals());
  if (s == g.outputs[k]) s = rng.below(g.num_signals());
  if (s == g.outputs[k]) return false;
  g.outputs[k] = s;
  return true;
}

bool Mutator::merge_equivalent(Genome& g, Rng& rng) const {
  const std::size_t n = g.gates.size();
  if (n < 2) return false;
  thread_local std::vector<std::uint8_t> active;  // per-thread scratch, reused
  mark_active(g, active);
  // Open-addressing table from a gate's key (kind, and its inputs packed
  // into one word, sorted for symmetric cells) to the first active gate
  // with that key; a slot is empty when its gate index is -1.
  std::size_t cap = 16;
  while (cap < 2 * n) cap <<= 1;
  struct Slot {
    std::uint64_t inputs;
    std::uint32_t kind;
    std::int32_t gate;
  };
  thread_local std::vector<Slot> table;
  table.assign(cap, Slot{0, 0, -1});
  std::uint32_t found = 0, pick_dup = 0, pick_orig = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!active[i]) continue;
    const Gate& gt = g.gates[i];
    std::uint64_t a = gt.in[0], b = gt.arity == 2 ? gt.in[1] : 0;
    if (gt.arity == 2 && b < a && symmetric((*kinds)[gt.kind])) std::swap(a, b);
    const std::uint64_t inputs = (a << 32) | b;
    std::uint64_t h = (inputs ^ (std::uint64_t{gt.kind} << 48)) * 0x9E3779B97F4A7C15ull;
    std::size_t slot = (h ^ (h >> 29)) & (cap - 1);
    while (true) {
      Slot& e = table[slot];
      if (e.gate < 0) {
        e = Slot{inputs, gt.kind, static_cast<std::int32_t>(i)};
        break;
      }
      if (e.inputs == inputs && e.kind == gt.kind) {
        // Reservoir sampling: every duplicate equally likely to be merged.
        ++found;
        if (rng.below(found) == 0) {
          pick_dup = static_cast<std::uint32_t>(i);
          pick_orig = static_cast<std::uint32_t>(e.gate);
        }
        break;
      }
      slot = (slot + 1) & (cap - 1);
    }
  }
  if (found == 0) return false;
  const std::uint32_t fg = g.first_gate();
  redirect_readers(g, pick_dup + 1, fg + pick_dup, fg + pick_orig);
  return true;
}

MutationKind Mutator::mutate(Genome& g, Rng& rng) const {
  double total = 0;
  for (double w : weights.w) total += w;
  for (int attempt = 0; attempt < 8; ++attempt) {
    double r = rng.uniform() * total;
    int op = 0;
    for (; op < static_cast<int>(MutationKind::Count) - 1; ++op) {
      if (r < weights.w[op]) break;
      r -= weights.w[op];
    }
    while (weights.w[op] <= 0 && op > 0) --op;
    bool ok = false;
    switch (static_cast<MutationKind>(op)) {
      case MutationKind::Add: ok = add_gate(g, rng); break;
      case MutationKind::Delete: ok = delete_gate(g, rng); break;
      case MutationKind::ChangeType: ok = change_type(g, rng); break;
      case MutationKind::RewireInput: ok = rewire_input(g, rng); break;
      case MutationKind::RewireOutput: ok = rewire_output(g, rng); break;
      case MutationKind::Merge: ok = merge_equivalent(g, rng); break;
      case MutationKind::Count: break;
    }
    if (ok) return static_cast<MutationKind>(op);
  }
  return MutationKind::Count;
}

Genome random_genome(std::uint32_t n_inputs, std::uint32_t n_outputs, std::uint32_t n_gates,
                     const std::vector<GateKind>& kinds, const std::vector<std::uint16_t>& allowed,
                     Rng& rng) {
  Genome g;
  g.n_inputs = n_inputs;
  const std::uint32_t fg = g.first_gate();
  g.gates.resize(n_gates);
  for (std::uint32_t i = 0; i < n_gates; ++i) {
    Gate& gt = g.gates[i];
    gt.kind = allowed[rng.below(static_cast<std::uint32_t>(allowed.size()))];
    gt.arity = static_cast<std::uint8_t>(kinds[gt.kind].arity);
    // Prefer the primary inputs and recent gates, so the circuit is deep
    // enough to compute something.
    for (int k = 0; k < gt.arity; ++k) {
      gt.in[k] = (i > 0 && rng.below(2)) ? fg + i - 1 - rng.below(std::min<std::uint32_t>(i, 32))
                                          : 2 + rng.below(n_inputs);
    }
  }
  g.outputs.resize(n_outputs);
  for (auto& s : g.outputs) s = n_gates ? fg + n_gates - 1 - rng.below(std::min<std::uint32_t>(n_gates, 2 * n_outputs)) : 2;
  g.make_parent();
  return g;
}

}  // namespace flowrun::approx
