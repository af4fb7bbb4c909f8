// Exhaustive bit-parallel evaluation: 64 input assignments per uint64 word,
// every gate evaluated from its cell's truth table (sum of minterms), so no
// cell function is hard-coded here.
#include <flowrun_gates/netlist.hpp>

namespace flowrun::gates {

namespace {

// Word w of the assignment-index bit `pos` (k = 64 * w + lane).
std::uint64_t index_bit_word(int pos, std::size_t w) {
  static constexpr std::uint64_t lanes[6] = {
      0xAAAAAAAAAAAAAAAAull, 0xCCCCCCCCCCCCCCCCull, 0xF0F0F0F0F0F0F0F0ull,
      0xFF00FF00FF00FF00ull, 0xFFFF0000FFFF0000ull, 0xFFFFFFFF00000000ull};
  if (pos < 6) return lanes[pos];
  return ((w >> (pos - 6)) & 1u) ? ~0ull : 0ull;
}

}  // namespace

SimTable simulate(const Netlist& nl) {
  nl.check();
  const int n = nl.num_input_bits();
  if (n > 24)
    throw NetlistError("netlist '" + nl.module + "': " + std::to_string(n) +
                       " input bits; exhaustive simulation handles at most 24");
  SimTable t;
  t.num_vectors = std::size_t{1} << n;
  t.num_words = (t.num_vectors + 63) / 64;
  t.signals.assign(static_cast<std::size_t>(nl.num_signals), {});
  t.signals[kConst0].assign(t.num_words, 0);
  t.signals[kConst1].assign(t.num_words, ~0ull);

  // Position of each input bit in the assignment index: the first input
  // port is the most significant digit, each port LSB first.
  std::vector<std::pair<int, int>> positions;  // (signal, index bit)
  int pos = n;
  for (const auto& p : nl.ports) {
    if (!p.is_input) continue;
    pos -= static_cast<int>(p.bits.size());
    for (std::size_t b = 0; b < p.bits.size(); ++b) positions.emplace_back(p.bits[b], pos + static_cast<int>(b));
  }
  for (const auto& [signal, bitpos] : positions) {
    auto& words = t.signals[static_cast<std::size_t>(signal)];
    words.resize(t.num_words);
    for (std::size_t w = 0; w < t.num_words; ++w) words[w] = index_bit_word(bitpos, w);
  }

  for (const auto& g : nl.gates) {
    const CellInfo& c = nl.cell(g.cell);
    const std::size_t k = g.inputs.size();
    const std::uint64_t rows = std::uint64_t{1} << k;
    auto& out = t.signals[static_cast<std::size_t>(g.output)];
    out.assign(t.num_words, 0);
    std::vector<const std::uint64_t*> in(k);
    for (std::size_t i = 0; i < k; ++i) in[i] = t.signals[static_cast<std::size_t>(g.inputs[i])].data();
    for (std::uint64_t r = 0; r < rows; ++r) {
      if (!((c.truth >> r) & 1u)) continue;
      for (std::size_t w = 0; w < t.num_words; ++w) {
        std::uint64_t term = ~0ull;
        for (std::size_t i = 0; i < k; ++i) term &= ((r >> i) & 1u) ? in[i][w] : ~in[i][w];
        out[w] |= term;
      }
    }
  }
  return t;
}

std::vector<std::int64_t> port_values(const Netlist& nl, const SimTable& sim, std::string_view name,
                                      bool is_signed) {
  const Port* p = nl.port(name);
  if (!p) throw NetlistError("netlist '" + nl.module + "' has no port '" + std::string(name) + "'");
  const std::size_t width = p->bits.size();
  if (width > 63) throw NetlistError("port '" + std::string(name) + "' is wider than 63 bits");
  std::vector<std::int64_t> values(sim.num_vectors, 0);
  for (std::size_t b = 0; b < width; ++b) {
    const auto& words = sim.signals[static_cast<std::size_t>(p->bits[b])];
    for (std::size_t k = 0; k < sim.num_vectors; ++k)
      if ((words[k >> 6] >> (k & 63)) & 1u) values[k] |= std::int64_t{1} << b;
  }
  if (is_signed) {
    const std::int64_t sign = std::int64_t{1} << (width - 1);
    for (auto& v : values)
      if (v & sign) v -= sign << 1;
  }
  return values;
}

}  // namespace flowrun::gates
