// The GA's circuit: a flat, topologically ordered array of one- and
// two-input gates plus output references, kept apart from the netlist
// library so the hot loop touches nothing but small POD arrays.
//
// Signal ids follow flowrun_gates: 0 = constant 0, 1 = constant 1,
// 2 .. 2+n_inputs-1 = primary-input bits, then gate i drives
// first_gate() + i. Every gate input refers to a smaller signal id.
#pragma once

#include "prng.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace flowrun::approx {

// One allowed gate type (a Liberty cell with one output and 1 or 2 inputs).
struct GateKind {
  std::string name;
  int arity = 2;            // 1 or 2
  std::uint32_t truth = 0;  // bit r = output for input row r (in[0] = LSB)
  double cost = 0;          // by the stage's cost model
  int transistors = 0;
  double area = 0;
};

struct Gate {
  std::uint32_t in[2] = {0, 0};  // signal ids; in[1] unused when arity 1
  std::uint16_t kind = 0;        // index into the kind table
  std::uint8_t arity = 2;
  std::uint8_t modified = 0;     // type or inputs changed since the parent
  std::int32_t origin = -1;      // index of this gate in the parent, -1 if new
};

struct Genome {
  std::uint32_t n_inputs = 0;
  std::vector<Gate> gates;
  std::vector<std::uint32_t> outputs;  // signal id of each output bit, LSB first
  // Indices of the gates new or changed since make_parent() (origin -1 or
  // `modified`), kept by the mutation operators so an evaluator can find
  // them without scanning every gate. Valid while edit_log_valid; code
  // that edits gates any other way must call forget_edits().
  std::vector<std::uint32_t> edit_log;
  bool edit_log_valid = false;

  std::uint32_t first_gate() const { return 2 + n_inputs; }
  std::uint32_t num_signals() const { return first_gate() + static_cast<std::uint32_t>(gates.size()); }
  // Marks the genome as a parent: origin = own index, nothing modified,
  // an empty and valid edit log.
  void make_parent();
  void forget_edits() {
    edit_log.clear();
    edit_log_valid = false;
  }
  // Sets `modified` on gate i, logging it.
  void mark_modified(std::size_t i);
  // Inserts a new gate (origin -1, modified) at index p / erases gate d,
  // keeping the edit log's indices right. Signal references are not
  // shifted here.
  void insert_gate(std::size_t p, Gate g);
  void erase_gate(std::size_t d);
  // Throws std::logic_error naming the first broken invariant (including a
  // valid edit log that misses or invents an edited gate).
  void check(std::size_t n_kinds) const;
};

// active[i] != 0 when gate i is in the transitive fan-in of an output.
void mark_active(const Genome& g, std::vector<std::uint8_t>& active);
std::size_t count_active(const Genome& g);
// Sum of kind costs over active gates.
double active_cost(const Genome& g, const std::vector<GateKind>& kinds,
                   const std::vector<std::uint8_t>& active);
// Removes inactive gates (function and cost unchanged); returns, for each
// old gate index, its new index or -1.
std::vector<std::int32_t> prune_inactive(Genome& g);

// Points every reader of signal `from` (gates at index `after` or later,
// and outputs) at `to`, marking the gates it changes.
void redirect_readers(Genome& g, std::size_t after, std::uint32_t from, std::uint32_t to);

enum class MutationKind : int { Add, Delete, ChangeType, RewireInput, RewireOutput, Merge, Count };
const char* to_string(MutationKind k);

struct MutationWeights {
  double w[static_cast<int>(MutationKind::Count)] = {0.5, 1, 3, 5, 1, 0.5};
};

// Mutation operators. Each keeps the topological order and validity, sets
// `modified` on the gates whose type or inputs changed, and returns false
// when it could not apply (e.g. nothing to merge). `allowed` lists the
// kind indices a new or retyped gate may take.
struct Mutator {
  const std::vector<GateKind>* kinds = nullptr;
  std::vector<std::uint16_t> allowed;
  MutationWeights weights;
  std::uint32_t max_gates = 1u << 20;

  bool add_gate(Genome& g, Rng& rng) const;
  bool delete_gate(Genome& g, Rng& rng) const;
  bool change_type(Genome& g, Rng& rng) const;
  bool rewire_input(Genome& g, Rng& rng) const;
  bool rewire_output(Genome& g, Rng& rng) const;
  bool merge_equivalent(Genome& g, Rng& rng) const;
  // Draws an operator by weight and applies it; retries another draw (up
  // to a few times) when the drawn one cannot apply.
  MutationKind mutate(Genome& g, Rng& rng) const;
};

// A random circuit of n_gates gates (for init: random).
Genome random_genome(std::uint32_t n_inputs, std::uint32_t n_outputs, std::uint32_t n_gates,
                     const std::vector<GateKind>& kinds, const std::vector<std::uint16_t>& allowed,
                     Rng& rng);

}  // namespace flowrun::approx
