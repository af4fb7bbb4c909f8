// Which gates of an offspring are active, what they cost, and which must
// be simulated again (the cone), relative to its parent.
//
// The incremental method starts from the parent's reference counts
// (FanoutIndex::refs) and replays only the offspring's edits (its edit
// log: every gate that is new or whose type or inputs changed) and its
// moved outputs.
// A reference count that reaches zero deactivates a gate and releases its
// inputs; one that leaves zero activates a gate and references its inputs.
// The cone then grows from the edited and newly active gates along the
// parent's active readers. Work is proportional to the gates the edits
// reach, not to the size of the circuit.
//
// The full method (a backward pass over every gate for activity and cost,
// a forward pass for the cone) serves offspring that are not a lightly
// edited parent (crossover children, genomes without a valid edit log)
// and parents without an index.
#pragma once

#include "genome.hpp"
#include "individual.hpp"

#include <cstdint>
#include <vector>

namespace flowrun::approx {

class ConePlan {
 public:
  explicit ConePlan(const std::vector<GateKind>& kinds);

  // Activity and cost of `child` against `parent` (both must outlive the
  // calls up to the next activity()).
  void activity(const Genome& child, const Individual& parent);
  // The cone of the child given to activity(): its active gates that are
  // new, changed, newly active or read a cone gate, in topological order.
  void cone();

  std::int64_t cost_units() const { return units_; }
  std::size_t active_gates() const { return n_active_; }
  const std::vector<std::uint32_t>& gates() const { return cone_; }
  // Position of child gate i in gates(), or -1 (valid after cone()).
  std::int32_t cone_pos(std::uint32_t i) const { return cstamp_[i] == stamp_ ? cpos_[i] : -1; }
  // Some output bit reads a different signal or a cone gate (after cone()).
  bool outputs_changed() const { return outputs_changed_; }
  // Whether child gate i is active.
  bool active(std::uint32_t i) const;
  // The child given to activity() now lives at another address (same
  // contents).
  void rebind(const Genome& child) { child_ = &child; }
  // Whether the last activity() used the incremental method.
  bool incremental() const { return incremental_; }
  // Off: always use the full method (tests compare the two).
  void allow_incremental(bool on) { allow_incremental_ = on; }

 private:
  void next_stamp(std::size_t n, std::size_t nodes);
  void activity_full();
  bool activity_incremental();
  void cone_full();
  void cone_incremental();
  void find_outputs_changed();

  // Incremental method. A node is a gate of the parent (its index) or a
  // gate new in the child (parent size + child index).
  std::uint32_t node_of_child(std::uint32_t i) const;
  std::uint32_t child_of_node(std::uint32_t x) const;
  void touch(std::uint32_t x);
  int inputs_of(std::uint32_t x, std::uint32_t* in) const;
  std::int64_t units_of(std::uint32_t x) const;
  bool node_active(std::uint32_t x) const;
  void change_refs(std::uint32_t x, int delta);
  void flipped(std::uint32_t x);
  void apply_edit(std::uint32_t child_gate);

  std::vector<std::int64_t> kind_units_;
  bool allow_incremental_ = true;
  bool incremental_ = false;

  const Genome* child_ = nullptr;
  const Individual* parent_ = nullptr;
  std::uint32_t fg_ = 0;
  std::uint32_t np_ = 0;  // parent gates
  std::int64_t units_ = 0;
  std::size_t n_active_ = 0;
  bool outputs_changed_ = false;
  std::vector<std::uint32_t> cone_;

  // Per child gate, valid where the stamp equals stamp_.
  std::uint32_t stamp_ = 0;
  std::vector<std::uint32_t> act_;     // full method: active
  std::vector<std::uint32_t> seed_;    // full method: cannot reuse the parent's values
  std::vector<std::uint32_t> cstamp_;  // in the cone, at cpos_
  std::vector<std::int32_t> cpos_;
  std::size_t first_seed_ = 0;

  // Incremental method: per node, valid where nstamp_ equals stamp_.
  static constexpr std::uint8_t kApplied = 1, kFlipped = 2;
  std::vector<std::uint32_t> nstamp_;
  std::vector<std::uint32_t> nrefs_;   // reference count
  std::vector<std::uint32_t> nchild_;  // child index of an edited parent gate
  std::vector<std::uint8_t> nflags_;
  std::uint32_t inserted_ = 0, deleted_ = 0;  // gates new in / gone from the child
  std::vector<std::uint32_t> flips_;   // nodes whose activity changed at least once
  std::vector<std::uint32_t> stack_;
  std::vector<std::uint32_t> cone_nodes_;  // cone members in discovery order
  std::vector<std::uint64_t> cone_bits_;   // cone membership by node
  std::vector<std::uint64_t> child_bits_;  // ... by child index
};

}  // namespace flowrun::approx
