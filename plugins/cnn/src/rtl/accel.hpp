// The CNN accelerator compiler behind rtl.cnn and testbench.cnn
// (docs/cnn-hardware.md). Separate passes, each tested on its own:
//
//   schedule()        network + banking options -> one loop nest per hardware
//                     layer (conv / dense as a MAC layer, maxpool as a MAX
//                     layer), lanes F, groups, cycle counts, exact latency
//   plan_memories()   the banking transform: every memory (image buffer,
//                     activations, weights, requantization constants) split
//                     into banks by the layer's partition, with depths and
//                     widths; check_conflicts() proves every cycle's parallel
//                     accesses hit distinct banks
//   bank_contents()   qmodel -> the words of every ROM bank ($readmemh files)
//   emit_verilog()    schedule + memories -> Verilog-2005 files
//   design_json()     the description testbench.cnn and users read
#pragma once

#include "rtl/mac_multiplier.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flowrun::cnn::rtl {

enum class Partition { Cyclic, Block };
const char* to_string(Partition p);
Partition partition_from_string(const std::string& s, const std::string& where);

struct CompileOptions {
  std::string module_name = "cnn_accel";
  int banking = 16;                        // F for every layer with weights
  std::vector<std::string> layer_banking;  // "conv1=4" overrides
  Partition partition = Partition::Cyclic;
  std::string generator = "rtl.cnn";       // written into file headers
  // A multiplier netlist instantiated as every lane's MAC multiplier instead
  // of the exact int8 product (null: exact); its file joins the sources.
  std::shared_ptr<const MacMultiplier> multiplier;
};

// An activation map as stored in banked memory: channel-last, channels padded
// to a multiple of the bank count. Element (y, x, c) lives in bank
// bank_of(c) at word (y*W + x) * words_per_position() + word_of(c).
struct Geometry {
  int height = 0, width = 0, channels = 0;
  int padded = 0;  // channels rounded up to a multiple of banks
  int banks = 1;
  Partition partition = Partition::Cyclic;
  int words_per_position() const { return padded / banks; }
  long positions() const { return static_cast<long>(height) * width; }
  long depth() const { return positions() * words_per_position(); }  // words per bank
  // cyclic: c mod F, c div F; block: c div D, c mod D (D = padded / F)
  int bank_of(int c) const;
  int word_of(int c) const;
  int channel_at(int bank, int word) const;  // inverse
};

enum class Op { Mac, Max };

// One hardware layer: conv2d or dense (a MAC layer, relu fused) or maxpool.
// A dense layer is scheduled as a convolution whose kernel covers its whole
// input map (the flattened channel-last vector is exactly that map).
struct LayerPlan {
  std::string name;   // the network's layer name (conv1, pool1, dense2)
  Op op = Op::Mac;
  int net_index = 0;  // index in Network::layers
  bool relu = false;
  bool logits = false;  // the last layer: int32 results into the logit registers
  int lanes = 1;        // F: output channels computed in parallel
  Partition partition = Partition::Cyclic;
  Geometry in;          // the memory this layer reads
  Geometry out;         // what it writes (for logits: the register file)
  int kh = 1, kw = 1, stride = 1, pad = 0;
  int groups = 1;       // G = out.padded / F: channel groups per position
  long taps = 1;        // cycles per group: kh*kw*in.channels (MAC), kh*kw (MAX)
  long cycles = 0;      // issue cycles: out positions * groups * taps
  int drain = 4;        // cycles after the last issue until the results are stored
  long useful_macs = 0;  // the network's MACs of this layer
  long lane_macs = 0;    // cycles * F (MAC layers): issued lane operations
  std::string in_memory;   // memory names (Memory::name)
  std::string out_memory;  // empty for the logits layer
  // Output channel computed by lane j in group g (the partition's group order).
  int channel(int group, int lane) const;
};

struct Schedule {
  Network net;
  std::string module_name;
  Partition partition = Partition::Cyclic;
  int mac_units = 1;      // lanes of the shared datapath = max F
  int input_shift = 1;
  Geometry image;         // the input buffer
  long load_cycles = 0;   // pixels per image, one per cycle
  std::vector<LayerPlan> layers;
  long latency_cycles = 0;  // first pixel accepted -> out_valid (see latency())
  std::map<std::string, int> banking;  // F per layer with weights (and pools)
  int multiplier_field = 31;  // bits of M in the requantization words (qmodel multiplier_bits-1)
  // {shift[5:0], M, bias[31:0]} for hidden layers, bias only for the logits layer
  int requant_bits(const LayerPlan& l) const { return l.logits ? 32 : 6 + multiplier_field + 32; }
};

// Pipeline depths the emitter implements (docs/cnn-hardware.md, "Schedule").
inline constexpr int kDrainStore = 5;   // issue -> result written to SRAM
inline constexpr int kDrainLogits = 3;  // issue -> logit register written
inline constexpr int kArgmaxCycles = 1;

// Pass 1. Throws StageError (prefixed by `where`) for bad banking options:
// unknown layer names, F < 1 or F > 256, a layer_banking entry that is not
// "name=F", or a maxpool F that differs from its input memory's.
Schedule schedule(const Network& net, int input_shift, const CompileOptions& options,
                  const std::string& where);

struct Bank {
  std::string macro;      // module name of the SRAM macro
  int index = 0;
  long depth = 0;
  int width = 0;
  std::string init_file;  // "<macro>.hex" for ROMs, "" for RAMs
  std::string comment;
  int address_bits() const;
};

struct Memory {
  std::string name;   // image, act_conv1, w_conv1, q_conv1
  std::string role;   // "image" | "activation" | "weights" | "requant"
  std::string layer;  // owning layer (writer for activations, "" for the image)
  Partition partition = Partition::Cyclic;
  std::vector<Bank> banks;
  long bits() const;
};

struct MemoryPlan {
  std::vector<Memory> memories;
  const Memory& get(const std::string& name) const;
  long total_bits() const;
};

// Pass 2: the banking transform (memories, banks, depths, widths).
MemoryPlan plan_memories(const Schedule& s);

// One cycle's parallel accesses to one memory, as channel indices at one
// position. check_conflicts() maps them through the memory's banking
// function and throws StageError naming the layer, cycle kind and bank when
// two accesses of one cycle hit the same bank.
struct AccessSet {
  std::string layer;
  std::string memory;
  std::string kind;  // "write group" / "read group"
  std::vector<int> channels;
};
std::vector<AccessSet> parallel_accesses(const Schedule& s);
void check_conflicts(const Schedule& s, const std::vector<AccessSet>& accesses);

// multiplier_bits - 1, checked to be in [1, 32].
int multiplier_field_bits(const QModel& q);

// Pass 3: the words of every ROM bank, as hex digit strings (one per word),
// keyed by macro name.
std::map<std::string, std::vector<std::string>> bank_contents(const QModel& q, const Schedule& s,
                                                              const MemoryPlan& m);
// A bank's $readmemh file: a comment header plus one word per line.
std::string hex_file_text(const Bank& b, const std::vector<std::string>& words);

struct VerilogFile {
  std::string name;  // file name, = module name + ".v"
  std::string text;
};

// Pass 4.
std::vector<VerilogFile> emit_verilog(const QModel& q, const Schedule& s, const MemoryPlan& m,
                                      const CompileOptions& o);

// Everything rtl.cnn writes, computed in memory.
struct Design {
  Schedule schedule;
  MemoryPlan memories;
  std::vector<VerilogFile> verilog;
  std::map<std::string, std::vector<std::string>> contents;  // ROM words by macro
  nlohmann::json description;                                // design.json
};
Design compile(const QModel& q, const CompileOptions& o, const std::string& where);

nlohmann::json design_json(const QModel& q, const Schedule& s, const MemoryPlan& m,
                           const std::vector<VerilogFile>& files, const CompileOptions& o);
// The options recorded in design.json, to compile the same design again.
CompileOptions options_from_design(const nlohmann::json& d, const std::string& where);

// Writes verilog/ (the .v files, design.json, the .hex files) and macros/
// (sram_models.v, macros.lib).
void write_design(const Design& d, const std::string& verilog_dir, const std::string& macros_dir);

// Small Verilog text helpers.
// True for a plain Verilog identifier: a letter or '_', then letters,
// digits and '_'. Names from params and artifacts (module_name) must pass
// before they reach Verilog text or a file name.
bool verilog_identifier(const std::string& s);
int bits_for(long max_value);  // bits to hold 0..max_value, at least 1
std::string lit(long value, int width);  // "W'dV" of value mod 2^W
std::string hex_word(std::uint64_t value, int bits);

}  // namespace flowrun::cnn::rtl
