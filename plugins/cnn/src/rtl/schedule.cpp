// Pass 1: network -> per-layer loop nests, lanes and cycle counts.
#include "rtl/accel.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <set>

namespace flowrun::cnn::rtl {

const char* to_string(Partition p) { return p == Partition::Cyclic ? "cyclic" : "block"; }

Partition partition_from_string(const std::string& s, const std::string& where) {
  if (s == "cyclic") return Partition::Cyclic;
  if (s == "block") return Partition::Block;
  throw StageError(where + ": partition '" + s + "' is not 'cyclic' or 'block'");
}

int Geometry::bank_of(int c) const {
  return partition == Partition::Cyclic ? c % banks : c / words_per_position();
}
int Geometry::word_of(int c) const {
  return partition == Partition::Cyclic ? c / banks : c % words_per_position();
}
int Geometry::channel_at(int bank, int word) const {
  return partition == Partition::Cyclic ? word * banks + bank : bank * words_per_position() + word;
}

int LayerPlan::channel(int group, int lane) const {
  // MAC layers write lane j of group g into bank j, word g of their output;
  // maxpool reads and writes bank j, word g. Either way the channel is the
  // one the output memory's banking function puts there.
  return out.channel_at(lane, group);
}

namespace {

Geometry make_geometry(int h, int w, int c, int banks, Partition p) {
  Geometry g;
  g.height = h;
  g.width = w;
  g.channels = c;
  g.banks = banks;
  g.padded = (c + banks - 1) / banks * banks;
  g.partition = p;
  return g;
}

// "conv1=4" entries -> map; errors name the entry.
std::map<std::string, int> parse_layer_banking(const Network& net,
                                               const std::vector<std::string>& entries,
                                               const std::string& where) {
  std::map<std::string, int> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& e = entries[i];
    const std::string at = where + ": layer_banking[" + std::to_string(i) + "] '" + e + "'";
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      throw StageError(at + ": expected 'layer=F', e.g. 'conv1=4'");
    }
    const std::string name = e.substr(0, eq);
    const std::string num = e.substr(eq + 1);
    const Layer* l = net.find(name);
    if (l == nullptr) {
      std::string names;
      for (const auto& x : net.layers) {
        if (x.has_weights() || x.type == LayerType::MaxPool) names += (names.empty() ? "" : ", ") + x.name;
      }
      throw StageError(at + ": the network has no layer '" + name + "' (layers: " + names + ")");
    }
    if (!l->has_weights() && l->type != LayerType::MaxPool) {
      throw StageError(at + ": layer '" + name + "' is a " + to_string(l->type) +
                       " (banking applies to conv2d, dense and maxpool layers)");
    }
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 4) {
      throw StageError(at + ": F must be a whole number in [1, 256], got '" + num + "'");
    }
    const int f = std::stoi(num);
    if (f < 1 || f > 256) throw StageError(at + ": F must be in [1, 256], got " + num);
    if (out.count(name)) throw StageError(at + ": layer '" + name + "' is given twice");
    out[name] = f;
  }
  return out;
}

}  // namespace

Schedule schedule(const Network& net, int input_shift, const CompileOptions& o,
                  const std::string& where) {
  if (o.banking < 1 || o.banking > 256) {
    throw StageError(where + ": banking must be in [1, 256], got " + std::to_string(o.banking));
  }
  if (net.layers.empty()) throw StageError(where + ": the network has no layers");
  const auto overrides = parse_layer_banking(net, o.layer_banking, where);

  Schedule s;
  s.net = net;
  s.module_name = o.module_name;
  s.partition = o.partition;
  s.input_shift = input_shift;
  s.image = make_geometry(net.input.height, net.input.width, net.input.channels, 1, o.partition);
  s.load_cycles = net.input.size();

  Geometry cur = s.image;  // the memory the next layer reads
  std::string cur_mem = "image";
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (l.type == LayerType::Relu || l.type == LayerType::Flatten) continue;  // fused / free
    LayerPlan p;
    p.name = l.name;
    p.net_index = static_cast<int>(i);
    p.in = cur;
    p.in_memory = cur_mem;
    p.partition = o.partition;
    if (l.type == LayerType::MaxPool) {
      // A pool reads F channels of one position per cycle: F = the banks of
      // its input memory, and it keeps that memory's layout.
      p.op = Op::Max;
      p.lanes = cur.banks;
      auto it = overrides.find(l.name);
      if (it != overrides.end() && it->second != cur.banks) {
        throw StageError(where + ": layer_banking '" + l.name + "=" + std::to_string(it->second) +
                         "': a maxpool reads one word of every bank of its input memory per cycle, "
                         "so its F is that memory's bank count " + std::to_string(cur.banks) +
                         " (set the F of the layer before it instead)");
      }
      p.partition = cur.partition;
      p.kh = p.kw = l.kernel;
      p.stride = l.stride;
      p.pad = 0;
      p.out = cur;
      p.out.height = l.out.height;
      p.out.width = l.out.width;
      p.groups = cur.words_per_position();
      p.taps = static_cast<long>(l.kernel) * l.kernel;
    } else {
      p.op = Op::Mac;
      auto it = overrides.find(l.name);
      p.lanes = it != overrides.end() ? it->second : o.banking;
      p.relu = i + 1 < net.layers.size() && net.layers[i + 1].type == LayerType::Relu;
      p.logits = i + 1 == net.layers.size();
      if (l.type == LayerType::Conv2d) {
        p.kh = p.kw = l.kernel;
        p.stride = l.stride;
        p.pad = l.padding;
        p.out = make_geometry(l.out.height, l.out.width, l.out_channels, p.lanes, o.partition);
      } else {
        // dense over the flattened map = a convolution covering the map
        if (cur.positions() * cur.channels != l.in.size()) {
          throw StageError(where + ": layer '" + l.name + "': its input memory holds " +
                           std::to_string(cur.positions() * cur.channels) + " values, expected " +
                           std::to_string(l.in.size()));
        }
        p.kh = cur.height;
        p.kw = cur.width;
        p.stride = 1;
        p.pad = 0;
        p.out = make_geometry(1, 1, l.out_channels, p.lanes, o.partition);
      }
      p.groups = p.out.words_per_position();
      p.taps = static_cast<long>(p.kh) * p.kw * cur.channels;
      p.useful_macs = l.macs();
    }
    p.cycles = p.out.positions() * p.groups * p.taps;
    if (p.op == Op::Mac) p.lane_macs = p.cycles * p.lanes;
    p.drain = p.logits ? kDrainLogits : kDrainStore;
    p.out_memory = p.logits ? "" : l.name + "_act";
    s.banking[l.name] = p.lanes;
    if (!p.logits) {
      cur = p.out;
      cur_mem = p.out_memory;
    }
    s.layers.push_back(p);
  }
  if (s.layers.empty() || !s.layers.back().logits) {
    throw StageError(where + ": the network must end with a dense layer (the logits)");
  }
  s.mac_units = 1;
  for (const auto& p : s.layers) s.mac_units = std::max(s.mac_units, p.lanes);
  s.latency_cycles = s.load_cycles + kArgmaxCycles;
  for (const auto& p : s.layers) s.latency_cycles += p.cycles + p.drain;
  return s;
}

}  // namespace flowrun::cnn::rtl
