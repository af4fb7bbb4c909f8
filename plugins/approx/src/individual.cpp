// The fan-out index of a parent genome, and the words of its outputs.
#include "individual.hpp"

#include <cmath>

namespace flowrun::approx {

std::int64_t cost_units(double cost) { return std::llround(cost * kCostScale); }

void index_individual(Individual& ind) {
  const Genome& g = ind.genome;
  const std::uint32_t fg = g.first_gate();
  const std::size_t n = g.gates.size();
  FanoutIndex& fx = ind.fanout;
  fx.refs.assign(n, 0);
  for (std::uint32_t s : g.outputs) if (s >= fg) ++fx.refs[s - fg];
  // Backward: a gate is active once something active reads it, and only
  // then do its own reads count.
  std::size_t active = 0;
  for (std::size_t i = n; i-- > 0;) {
    if (fx.refs[i] == 0) continue;
    ++active;
    const Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) if (gt.in[k] >= fg) ++fx.refs[gt.in[k] - fg];
  }
  // Readers as compressed rows: count, prefix-sum, fill.
  fx.begin.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (fx.refs[i] == 0) continue;
    const Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) if (gt.in[k] >= fg) ++fx.begin[gt.in[k] - fg + 1];
  }
  for (std::size_t i = 0; i < n; ++i) fx.begin[i + 1] += fx.begin[i];
  fx.readers.assign(fx.begin[n], 0);
  std::vector<std::uint32_t> fill(fx.begin.begin(), fx.begin.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    if (fx.refs[i] == 0) continue;
    const Gate& gt = g.gates[i];
    for (int k = 0; k < gt.arity; ++k) {
      if (gt.in[k] >= fg) fx.readers[fill[gt.in[k] - fg]++] = static_cast<std::uint32_t>(i);
    }
  }
  ind.active_gates = active;
}

const std::uint64_t* output_words(const Problem& p, const Individual& ind, std::size_t k) {
  const std::uint32_t s = ind.genome.outputs[k];
  const std::uint32_t fg = ind.genome.first_gate();
  return s < fg ? p.signal_base(s) : ind.values[s - fg].get();
}

bool same_outputs(const Problem& p, const Individual& a, const Individual& b) {
  if (a.genome.outputs.size() != b.genome.outputs.size()) return false;
  for (std::size_t k = 0; k < a.genome.outputs.size(); ++k) {
    const std::uint64_t* x = output_words(p, a, k);
    const std::uint64_t* y = output_words(p, b, k);
    // Padding assignments (past num_vectors) may differ: only valid bits count.
    for (std::size_t w = 0; w < p.num_words; ++w) {
      if ((x[w] ^ y[w]) & p.valid[w]) return false;
    }
  }
  return true;
}

}  // namespace flowrun::approx
