// design.json, the whole compile() driver and the artifact writer.
#include "rtl/accel.hpp"

#include <flowrun/stage.hpp>
#include <flowrun_sram/sram.hpp>

#include <filesystem>
#include <fstream>

namespace flowrun::cnn::rtl {

namespace fs = std::filesystem;

inline constexpr const char* kDesignFormat = "flowrun.cnn_design/1";

namespace {

nlohmann::json geometry_json(const Geometry& g) {
  return {{"height", g.height},   {"width", g.width},
          {"channels", g.channels}, {"padded_channels", g.padded},
          {"banks", g.banks},     {"partition", to_string(g.partition)},
          {"words_per_position", g.words_per_position()}};
}

}  // namespace

nlohmann::json design_json(const QModel& q, const Schedule& s, const MemoryPlan& m,
                           const std::vector<VerilogFile>& files, const CompileOptions& o) {
  using nlohmann::json;
  json d;
  d["format"] = kDesignFormat;
  d["top"] = s.module_name;
  json src = json::array();
  for (const auto& f : files) src.push_back(f.name);
  d["sources"] = src;
  d["network"] = network_to_json(s.net);
  d["options"] = {{"module_name", o.module_name},
                  {"banking", o.banking},
                  {"layer_banking", o.layer_banking},
                  {"partition", to_string(o.partition)}};
  if (o.multiplier) {
    const MacMultiplier& mm = *o.multiplier;
    d["mac_multiplier"] = {{"module", mm.module},   {"file", mm.file_name}, {"source", mm.source},
                           {"sha256", mm.sha256},   {"mapping", mm.mapping}, {"a_port", mm.a_port},
                           {"b_port", mm.b_port},   {"y_port", mm.y_port},   {"cells", mm.cells},
                           {"area", mm.area}};
  }
  d["arithmetic"] = {{"input_shift", s.input_shift},
                     {"rounding", to_string(q.rounding)},
                     {"saturation", to_string(q.saturation)},
                     {"multiplier_bits", q.multiplier_bits}};
  const int classes = s.layers.back().out.channels;
  int cw = 1;
  while ((1 << cw) < classes) ++cw;
  d["interface"] = {
      {"clock", "clk"},
      {"reset", {{"port", "rst"}, {"active", "high"}, {"kind", "synchronous"}}},
      {"ports",
       json::array({{{"name", "clk"}, {"dir", "input"}, {"width", 1}},
                    {{"name", "rst"}, {"dir", "input"}, {"width", 1}},
                    {{"name", "in_valid"}, {"dir", "input"}, {"width", 1}},
                    {{"name", "in_ready"}, {"dir", "output"}, {"width", 1}},
                    {{"name", "in_pixel"}, {"dir", "input"}, {"width", 8}},
                    {{"name", "out_valid"}, {"dir", "output"}, {"width", 1}},
                    {{"name", "out_ready"}, {"dir", "input"}, {"width", 1}},
                    {{"name", "out_class"}, {"dir", "output"}, {"width", cw}},
                    {{"name", "out_logits"}, {"dir", "output"}, {"width", classes * 32}}})},
      {"input", {s.net.input.channels, s.net.input.height, s.net.input.width}},
      {"pixels_per_image", s.load_cycles},
      {"classes", classes},
      {"logit_bits", 32}};
  json layers = json::array();
  for (const auto& l : s.layers) {
    json j = {{"name", l.name},
              {"op", l.op == Op::Mac ? "mac" : "max"},
              {"text", s.net.layers[static_cast<std::size_t>(l.net_index)].text},
              {"lanes", l.lanes},
              {"partition", to_string(l.partition)},
              {"relu", l.relu},
              {"logits", l.logits},
              {"kernel", {l.kh, l.kw}},
              {"stride", l.stride},
              {"padding", l.pad},
              {"groups", l.groups},
              {"taps_per_group", l.taps},
              {"cycles", l.cycles},
              {"drain_cycles", l.drain},
              {"input_memory", l.in_memory},
              {"input", geometry_json(l.in)},
              {"output", geometry_json(l.out)},
              {"loops", {{{"var", "oy"}, {"extent", l.out.height}},
                         {{"var", "ox"}, {"extent", l.out.width}},
                         {{"var", "g"}, {"extent", l.groups}},
                         {{"var", "ky"}, {"extent", l.kh}},
                         {{"var", "kx"}, {"extent", l.kw}}}}};
    if (l.op == Op::Mac) {
      j["loops"].push_back({{"var", "c"}, {"extent", l.in.channels}});
      j["macs"] = l.useful_macs;
      j["lane_macs"] = l.lane_macs;
      j["utilization"] = l.lane_macs ? static_cast<double>(l.useful_macs) / l.lane_macs : 1.0;
    }
    if (!l.logits) j["output_memory"] = l.out_memory;
    layers.push_back(j);
  }
  d["schedule"] = {{"mac_units", s.mac_units},
                   {"load_cycles", s.load_cycles},
                   {"argmax_cycles", kArgmaxCycles},
                   {"layers", layers},
                   {"latency_cycles", s.latency_cycles}};
  json mems = json::array();
  json hex = json::array();
  for (const auto& mem : m.memories) {
    json banks = json::array();
    for (const auto& b : mem.banks) {
      json jb = {{"macro", b.macro}, {"bank", b.index}, {"depth", b.depth}, {"width", b.width},
                 {"address_bits", b.address_bits()}};
      if (!b.init_file.empty()) {
        jb["init_file"] = b.init_file;
        hex.push_back(b.init_file);
      }
      banks.push_back(jb);
    }
    mems.push_back({{"name", mem.name},
                    {"role", mem.role},
                    {"layer", mem.layer},
                    {"partition", to_string(mem.partition)},
                    {"bits", mem.bits()},
                    {"banks", banks}});
  }
  d["memories"] = mems;
  d["hex_files"] = hex;
  d["latency_cycles"] = s.latency_cycles;
  d["mac_units"] = s.mac_units;
  d["memory_bits"] = m.total_bits();
  return d;
}

CompileOptions options_from_design(const nlohmann::json& d, const std::string& where) {
  try {
    if (d.value("format", "") != kDesignFormat) {
      throw StageError(where + ": field format: expected \"" + std::string(kDesignFormat) +
                       "\", got " + (d.contains("format") ? d["format"].dump() : "nothing"));
    }
    const auto& o = d.at("options");
    CompileOptions c;
    c.module_name = o.at("module_name").get<std::string>();
    c.banking = o.at("banking").get<int>();
    c.layer_banking = o.at("layer_banking").get<std::vector<std::string>>();
    c.partition = partition_from_string(o.at("partition").get<std::string>(), where + ": options.partition");
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw StageError(where + ": field options: " + e.what());
  }
}

Design compile(const QModel& q, const CompileOptions& o, const std::string& where) {
  // The module name becomes module and file names (<name>.v, tb_<name>.v):
  // whether it came from a param or from a design.json handed in, nothing
  // but an identifier may get that far.
  if (!verilog_identifier(o.module_name)) {
    throw StageError(where + ": module_name '" + o.module_name +
                     "' is not a Verilog identifier (letters, digits, '_', not starting with a digit)");
  }
  Design d;
  d.schedule = schedule(q.net, q.input_shift, o, where);
  d.schedule.multiplier_field = multiplier_field_bits(q);
  d.memories = plan_memories(d.schedule);
  check_conflicts(d.schedule, parallel_accesses(d.schedule));
  d.contents = bank_contents(q, d.schedule, d.memories);
  d.verilog = emit_verilog(q, d.schedule, d.memories, o);
  d.description = design_json(q, d.schedule, d.memories, d.verilog, o);
  return d;
}

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw StageError(p.string() + ": cannot write the file");
}

}  // namespace

void write_design(const Design& d, const std::string& verilog_dir, const std::string& macros_dir) {
  fs::create_directories(verilog_dir);
  for (const auto& f : d.verilog) write_text(fs::path(verilog_dir) / f.name, f.text);
  write_text(fs::path(verilog_dir) / "design.json", d.description.dump(2) + "\n");
  std::vector<sram::Macro> macros;
  std::string models;
  for (const auto& mem : d.memories.memories) {
    for (const auto& b : mem.banks) {
      sram::Macro m;
      m.name = b.macro;
      m.depth = static_cast<int>(b.depth);
      m.width = b.width;
      m.init_file = b.init_file;
      m.comment = b.comment;
      macros.push_back(m);
      if (!b.init_file.empty()) {
        write_text(fs::path(verilog_dir) / b.init_file, hex_file_text(b, d.contents.at(b.macro)));
      }
    }
  }
  if (!macros_dir.empty()) {
    fs::create_directories(macros_dir);
    std::string text = "// SRAM macro models of " + d.schedule.module_name +
                       " (flowrun_sram), one module per bank.\n`timescale 1ns / 1ps\n\n";
    for (const auto& m : macros) text += sram::verilog_model(m) + "\n";
    write_text(fs::path(macros_dir) / "sram_models.v", text);
    write_text(fs::path(macros_dir) / "macros.lib",
               sram::liberty(d.schedule.module_name + "_macros", macros, sram::default_tech()));
  }
}

}  // namespace flowrun::cnn::rtl
