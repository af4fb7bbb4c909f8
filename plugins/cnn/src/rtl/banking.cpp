// Pass 2 and 3: the banking transform over the memories, the bank-conflict
// check and the ROM bank contents.
#include "rtl/accel.hpp"

#include <flowrun/stage.hpp>

#include <cctype>
#include <set>
#include <sstream>

namespace flowrun::cnn::rtl {

bool verilog_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

int bits_for(long max_value) {
  int b = 1;
  while (b < 62 && (1L << b) <= max_value) ++b;
  return b;
}

std::string lit(long value, int width) {
  const unsigned long mask = width >= 64 ? ~0UL : ((1UL << width) - 1);
  return std::to_string(width) + "'d" + std::to_string(static_cast<unsigned long>(value) & mask);
}

std::string hex_word(std::uint64_t value, int bits) {
  const int digits = (bits + 3) / 4;
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int d = 0; d < digits; ++d) {
    unsigned nibble = d * 4 < 64 ? static_cast<unsigned>((value >> (d * 4)) & 0xF) : 0;
    const int left = bits - d * 4;
    if (left < 4) nibble &= (1u << left) - 1;
    s[static_cast<std::size_t>(digits - 1 - d)] = "0123456789abcdef"[nibble];
  }
  return s;
}

int Bank::address_bits() const { return depth <= 1 ? 1 : bits_for(depth - 1); }

long Memory::bits() const {
  long n = 0;
  for (const auto& b : banks) n += b.depth * b.width;
  return n;
}

const Memory& MemoryPlan::get(const std::string& name) const {
  for (const auto& m : memories)
    if (m.name == name) return m;
  throw StageError("internal: no memory '" + name + "'");
}

long MemoryPlan::total_bits() const {
  long n = 0;
  for (const auto& m : memories) n += m.bits();
  return n;
}

int multiplier_field_bits(const QModel& q) {
  if (q.multiplier_bits < 2 || q.multiplier_bits > 33) {
    throw StageError("qmodel: multiplier_bits " + std::to_string(q.multiplier_bits) +
                     " is outside [2, 33] (the requantizer multiplies 32 x (multiplier_bits-1) "
                     "bits into 64)");
  }
  return q.multiplier_bits - 1;
}

namespace {

std::string channel_list(const LayerPlan& l, int lane, int limit = 6) {
  std::ostringstream os;
  int shown = 0;
  for (int g = 0; g < l.groups; ++g) {
    const int c = l.channel(g, lane);
    if (shown == limit) {
      os << ", ...";
      break;
    }
    os << (shown ? ", " : "") << c << (c >= l.out.channels ? " (padding)" : "");
    ++shown;
  }
  return os.str();
}

Memory activation_memory(const std::string& module, const std::string& name,
                         const std::string& layer, const Geometry& g, const std::string& what) {
  Memory m;
  m.name = name;
  m.role = name == "image" ? "image" : "activation";
  m.layer = layer;
  m.partition = g.partition;
  for (int b = 0; b < g.banks; ++b) {
    Bank k;
    k.macro = module + "_" + name + "_b" + std::to_string(b);
    k.index = b;
    k.depth = g.depth();
    k.width = 8;
    std::ostringstream c;
    c << what << ", bank " << b << " of " << g.banks << " (" << to_string(g.partition) << ", "
      << g.height << "x" << g.width << "x" << g.channels;
    if (g.padded != g.channels) c << " padded to " << g.padded << " channels";
    c << "): word (y*" << g.width << " + x)*" << g.words_per_position() << " + "
      << (g.partition == Partition::Cyclic ? "c div " + std::to_string(g.banks)
                                            : "c mod " + std::to_string(g.words_per_position()));
    k.comment = c.str();
    m.banks.push_back(k);
  }
  return m;
}

}  // namespace

MemoryPlan plan_memories(const Schedule& s) {
  MemoryPlan plan;
  plan.memories.push_back(activation_memory(
      s.module_name, "image", "", s.image,
      "input image x0 = pixel >> " + std::to_string(s.input_shift)));
  for (const auto& l : s.layers) {
    if (l.op == Op::Mac) {
      Memory w;
      w.name = l.name + "_w";
      w.role = "weights";
      w.layer = l.name;
      w.partition = l.partition;
      Memory q;
      q.name = l.name + "_q";
      q.role = "requant";
      q.layer = l.name;
      q.partition = l.partition;
      for (int j = 0; j < l.lanes; ++j) {
        Bank b;
        b.macro = s.module_name + "_" + w.name + "_b" + std::to_string(j);
        b.index = j;
        b.depth = l.groups * l.taps;
        b.width = 8;
        b.init_file = b.macro + ".hex";
        b.comment = l.name + " weights of lane " + std::to_string(j) + " of " +
                    std::to_string(l.lanes) + " (" + to_string(l.partition) +
                    "), output channels " + channel_list(l, j) + "; word g*" +
                    std::to_string(l.taps) + " + (ky*" + std::to_string(l.kw) + " + kx)*" +
                    std::to_string(l.in.channels) + " + c";
        w.banks.push_back(b);
        Bank r;
        r.macro = s.module_name + "_" + q.name + "_b" + std::to_string(j);
        r.index = j;
        r.depth = l.groups;
        r.width = s.requant_bits(l);
        r.init_file = r.macro + ".hex";
        r.comment = l.name + (l.logits ? " bias" : " {shift, multiplier, bias}") + " of lane " +
                    std::to_string(j) + ", word g = group, output channels " + channel_list(l, j);
        q.banks.push_back(r);
      }
      plan.memories.push_back(w);
      plan.memories.push_back(q);
    }
    if (!l.logits) {
      plan.memories.push_back(
          activation_memory(s.module_name, l.out_memory, l.name, l.out, l.name + " output"));
    }
  }
  return plan;
}

std::vector<AccessSet> parallel_accesses(const Schedule& s) {
  // Derived from the partition alone (not from the banking function), so
  // check_conflicts() compares two independent descriptions.
  std::vector<AccessSet> out;
  auto group = [](Partition p, int g, int lanes, int padded) {
    std::vector<int> ch;
    for (int j = 0; j < lanes; ++j) {
      ch.push_back(p == Partition::Cyclic ? g * lanes + j : g + j * (padded / lanes));
    }
    return ch;
  };
  for (const auto& l : s.layers) {
    for (int g = 0; g < l.groups; ++g) {
      if (l.op == Op::Max) {
        out.push_back({l.name, l.in_memory, "read group " + std::to_string(g),
                       group(l.in.partition, g, l.lanes, l.in.padded)});
      }
      if (!l.logits) {
        out.push_back({l.name, l.out_memory, "write group " + std::to_string(g),
                       group(l.partition, g, l.lanes, l.out.padded)});
      }
    }
  }
  return out;
}

void check_conflicts(const Schedule& s, const std::vector<AccessSet>& accesses) {
  std::map<std::string, Geometry> geom;
  geom["image"] = s.image;
  for (const auto& l : s.layers)
    if (!l.logits) geom[l.out_memory] = l.out;
  for (const auto& a : accesses) {
    auto it = geom.find(a.memory);
    if (it == geom.end()) throw StageError("internal: access to unknown memory " + a.memory);
    const Geometry& g = it->second;
    std::map<int, int> seen;  // bank -> channel
    for (int c : a.channels) {
      if (c < 0 || c >= g.padded) {
        throw StageError("banking: layer " + a.layer + ", " + a.kind + ": channel " +
                         std::to_string(c) + " is outside memory " + a.memory + " (" +
                         std::to_string(g.padded) + " channels)");
      }
      const int b = g.bank_of(c);
      auto [pos, fresh] = seen.emplace(b, c);
      if (!fresh) {
        throw StageError("banking: layer " + a.layer + ", " + a.kind + " of memory " + a.memory +
                         ": channels " + std::to_string(pos->second) + " and " +
                         std::to_string(c) + " both live in bank " + std::to_string(b) + " of " +
                         std::to_string(g.banks) + " (" + to_string(g.partition) +
                         "): one port cannot serve both in one cycle");
      }
    }
  }
}

namespace {

// MSB-first concatenation of fields into hex digits.
std::string pack_hex(const std::vector<std::pair<std::uint64_t, int>>& fields) {
  std::vector<int> bits;  // MSB first
  for (const auto& [v, n] : fields)
    for (int i = n - 1; i >= 0; --i) bits.push_back(i < 64 ? static_cast<int>((v >> i) & 1u) : 0);
  while (bits.size() % 4) bits.insert(bits.begin(), 0);
  std::string s;
  for (std::size_t i = 0; i < bits.size(); i += 4) {
    s += "0123456789abcdef"[bits[i] * 8 + bits[i + 1] * 4 + bits[i + 2] * 2 + bits[i + 3]];
  }
  return s;
}

}  // namespace

std::map<std::string, std::vector<std::string>> bank_contents(const QModel& q, const Schedule& s,
                                                              const MemoryPlan& m) {
  std::map<std::string, std::vector<std::string>> out;
  const int mb = s.multiplier_field;
  if (mb != multiplier_field_bits(q)) throw StageError("internal: schedule made for another multiplier width");
  for (const auto& l : s.layers) {
    if (l.op != Op::Mac) continue;
    const QLayer& ql = q.layers.at(static_cast<std::size_t>(l.net_index));
    const int C = l.out.channels;
    if (static_cast<long>(ql.weight.size()) != static_cast<long>(C) * l.taps ||
        static_cast<int>(ql.bias.size()) != C ||
        (!l.logits && (static_cast<int>(ql.multiplier.size()) != C ||
                       static_cast<int>(ql.shift.size()) != C))) {
      throw StageError("qmodel: layer " + l.name + ": tensor sizes do not match the network");
    }
    const Memory& w = m.get(l.name + "_w");
    const Memory& rq = m.get(l.name + "_q");
    for (int j = 0; j < l.lanes; ++j) {
      std::vector<std::string> words;
      words.reserve(static_cast<std::size_t>(l.groups * l.taps));
      for (int g = 0; g < l.groups; ++g) {
        const int o = l.channel(g, j);
        for (long t = 0; t < l.taps; ++t) {
          const int v = o < C ? ql.weight[static_cast<std::size_t>(o * l.taps + t)] : 0;
          words.push_back(hex_word(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)), 8));
        }
      }
      out[w.banks[static_cast<std::size_t>(j)].macro] = std::move(words);
      std::vector<std::string> qwords;
      for (int g = 0; g < l.groups; ++g) {
        const int o = l.channel(g, j);
        const std::uint64_t bias =
            o < C ? static_cast<std::uint32_t>(ql.bias[static_cast<std::size_t>(o)]) : 0;
        if (l.logits) {
          qwords.push_back(pack_hex({{bias, 32}}));
        } else {
          // padded channels: M = 0, s = 0 -> output 0
          const std::uint64_t mult =
              o < C ? static_cast<std::uint64_t>(ql.multiplier[static_cast<std::size_t>(o)]) : 0;
          const std::uint64_t sh =
              o < C ? static_cast<std::uint64_t>(ql.shift[static_cast<std::size_t>(o)]) : 0;
          if (mult >= (std::uint64_t{1} << mb) || sh > 62) {
            throw StageError("qmodel: layer " + l.name + ", channel " + std::to_string(o) +
                             ": multiplier " + std::to_string(mult) + " / shift " +
                             std::to_string(sh) + " outside [0, 2^" + std::to_string(mb) +
                             ") / [0, 62]");
          }
          qwords.push_back(pack_hex({{sh, 6}, {mult, mb}, {bias, 32}}));
        }
      }
      out[rq.banks[static_cast<std::size_t>(j)].macro] = std::move(qwords);
    }
  }
  return out;
}

std::string hex_file_text(const Bank& b, const std::vector<std::string>& words) {
  std::string t = "// " + b.macro + ": " + b.comment + "\n// " + std::to_string(words.size()) +
                  " words of " + std::to_string(b.width) + " bits, $readmemh format\n";
  for (const auto& w : words) {
    t += w;
    t += '\n';
  }
  return t;
}

}  // namespace flowrun::cnn::rtl
