// Shared fixtures of the approx tests: the seed netlists of tests/data read
// with the flowrun cell library, and a plain scalar reference simulator
// that shares no code with the bit-parallel evaluator.
#pragma once

#include "evaluator.hpp"
#include "genome.hpp"
#include "netlist_bridge.hpp"
#include "problem.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace flowrun::approx::test {

struct Fixture {
  liberty::Library lib;
  gates::Netlist netlist;
  std::vector<GateKind> kinds;
  Genome seed;
  Problem problem;
  std::vector<std::uint16_t> allowed;
};

inline Fixture load_fixture(const std::string& file, int aw, int bw, bool is_signed) {
  Fixture f;
  f.lib = liberty::read_liberty(FLOWRUN_CELLS_DIR "/flowrun_cells.lib");
  f.netlist = gates::read_netlist(std::string(FLOWRUN_APPROX_TEST_DATA) + "/" + file, f.lib,
                                  {{"a", aw}, {"b", bw}, {"y", aw + bw}});
  f.kinds = kinds_from_cells(f.netlist, CostModel::Transistors);
  std::vector<int> kbit;
  f.seed = genome_from_netlist(f.netlist, f.kinds, file, kbit);
  f.problem = make_problem(aw, bw, is_signed, kbit);
  for (const auto& g : f.seed.gates) {
    if (std::find(f.allowed.begin(), f.allowed.end(), g.kind) == f.allowed.end()) f.allowed.push_back(g.kind);
  }
  return f;
}

// The seed multipliers the evaluator tests run on: "8x8s" (signed) or
// "4x4u" (unsigned).
inline Fixture load_seed_fixture(const std::string& which) {
  return which == "8x8s" ? load_fixture("mult8s_seed.v", 8, 8, true) : load_fixture("mult4u_seed.v", 4, 4, false);
}

// The genome's output value for every assignment k (k = a * 2^bw + b),
// one assignment and one gate at a time.
inline std::vector<std::int64_t> reference_outputs(const Genome& g, const std::vector<GateKind>& kinds,
                                                   const Problem& p) {
  std::vector<std::int64_t> out(p.num_vectors);
  std::vector<std::uint8_t> v(g.num_signals());
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
    v[0] = 0;
    v[1] = 1;
    for (std::uint32_t i = 0; i < g.n_inputs; ++i) v[2 + i] = (k >> p.input_kbit[i]) & 1u;
    for (std::size_t i = 0; i < g.gates.size(); ++i) {
      const Gate& gt = g.gates[i];
      unsigned row = v[gt.in[0]];
      if (gt.arity == 2) row |= static_cast<unsigned>(v[gt.in[1]]) << 1;
      v[g.first_gate() + i] = (kinds[gt.kind].truth >> row) & 1u;
    }
    std::uint64_t bits = 0;
    for (std::size_t j = 0; j < g.outputs.size(); ++j) bits |= static_cast<std::uint64_t>(v[g.outputs[j]]) << j;
    out[k] = decode_output(p, bits);
  }
  return out;
}

struct RefStats {
  std::int64_t wce_abs = 0;
  std::uint64_t sum_abs = 0;
  std::uint64_t errors = 0;
  double mre_sum = 0;
};

inline RefStats reference_stats(const std::vector<std::int64_t>& approx, const Problem& p) {
  RefStats s;
  for (std::uint64_t k = 0; k < p.num_vectors; ++k) {
    const std::int64_t e = std::llabs(approx[k] - p.exact_values[k]);
    s.wce_abs = std::max(s.wce_abs, e);
    s.sum_abs += static_cast<std::uint64_t>(e);
    s.errors += e != 0;
    if (p.exact_values[k] != 0) s.mre_sum += static_cast<double>(e) / static_cast<double>(std::llabs(p.exact_values[k]));
  }
  return s;
}

// The genome as the stage would write it (for comparing results).
inline std::string netlist_text(const Genome& g, const Fixture& f) {
  std::ostringstream os;
  gates::write_netlist(netlist_from_genome(g, f.kinds, f.netlist), os, "test");
  return os.str();
}

}  // namespace flowrun::approx::test
