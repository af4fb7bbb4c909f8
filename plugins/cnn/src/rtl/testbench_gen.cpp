// testbench.cnn's work: check the design's ROM files against the qmodel,
// copy them, and write a self-checking, shardable testbench.
#include "rtl/testbench_gen.hpp"

#include <flowrun/stage.hpp>

#include <fstream>
#include <sstream>

namespace flowrun::cnn::rtl {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw StageError(p.string() + ": cannot write the file");
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

}  // namespace

Design check_design(const QModel& q, const fs::path& design_dir) {
  const fs::path dj = design_dir / "design.json";
  std::ifstream in(dj);
  if (!in) throw StageError(dj.string() + ": cannot read the design description");
  nlohmann::json d;
  try {
    d = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw StageError(dj.string() + ": not valid JSON: " + e.what());
  }
  const CompileOptions o = options_from_design(d, dj.string());
  // The compiler's own passes on the qmodel give the banks the design must hold.
  Design expected = compile(q, o, dj.string());
  if (d.value("latency_cycles", -1L) != expected.schedule.latency_cycles ||
      network_text(network_from_json(d.at("network"), dj.string() + ": field network")) !=
          network_text(q.net)) {
    throw StageError(dj.string() + ": the design was compiled from another network (latency " +
                     d.value("latency_cycles", nlohmann::json(-1)).dump() + ", the qmodel gives " +
                     std::to_string(expected.schedule.latency_cycles) + ")");
  }
  for (const auto& mem : expected.memories.memories) {
    for (const auto& b : mem.banks) {
      if (b.init_file.empty()) continue;
      const fs::path f = design_dir / b.init_file;
      std::ifstream h(f);
      if (!h) throw StageError(f.string() + ": missing (bank " + b.macro + " of the design)");
      const auto& words = expected.contents.at(b.macro);
      std::string line;
      long lineno = 0;
      std::size_t k = 0;
      while (std::getline(h, line)) {
        ++lineno;
        std::string t = trim(line.substr(0, line.find("//")));
        if (t.empty()) continue;
        if (k >= words.size()) {
          throw StageError(f.string() + ":" + std::to_string(lineno) + ": more than the " +
                           std::to_string(words.size()) + " words of bank " + b.macro);
        }
        std::string lower;
        for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower != words[k]) {
          throw StageError(f.string() + ":" + std::to_string(lineno) + ": word " +
                           std::to_string(k) + " is " + t + ", expected " + words[k] +
                           " (the qmodel's " + b.comment.substr(0, b.comment.find(',')) + ")");
        }
        ++k;
      }
      if (k != words.size()) {
        throw StageError(f.string() + ":" + std::to_string(lineno) + ": has " + std::to_string(k) +
                         " words, bank " + b.macro + " holds " + std::to_string(words.size()));
      }
    }
  }
  return expected;
}

TestbenchInfo write_testbench(const QModel& q, const Design& design, const fs::path& design_dir,
                              const std::uint8_t* pixels, const std::uint8_t* labels, long count,
                              const TestbenchOptions& opt, const fs::path& out_dir) {
  if (count <= 0) throw StageError("testbench: no images");
  const Schedule& s = design.schedule;
  const std::string dut = s.module_name;
  const std::string top = "tb_" + dut;
  const long npix = s.load_cycles;
  const int classes = s.layers.back().out.channels;
  int cw = 1;
  while ((1 << cw) < classes) ++cw;
  const int words = classes + 2;  // logits, class, label

  fs::create_directories(out_dir);
  TestbenchInfo info;
  info.top = top;
  info.vectors = count;
  // ROM contents travel with the testbench (the SRAM models read them from
  // `FLOWRUN_TBDIR).
  std::vector<std::string> data;
  for (const auto& mem : design.memories.memories)
    for (const auto& b : mem.banks)
      if (!b.init_file.empty()) {
        fs::copy_file(design_dir / b.init_file, out_dir / b.init_file,
                      fs::copy_options::overwrite_existing);
        data.push_back(b.init_file);
      }

  std::string img;
  img.reserve(static_cast<std::size_t>(count * npix * 3));
  std::string exp;
  long correct = 0;
  static const char* hexd = "0123456789abcdef";
  const std::vector<std::int32_t> all = infer_batch(q, pixels, count, std::max(1, opt.threads), opt.products);
  for (long i = 0; i < count; ++i) {
    const std::uint8_t* p = pixels + i * npix;
    for (long k = 0; k < npix; ++k) {
      img += hexd[p[k] >> 4];
      img += hexd[p[k] & 15];
      img += '\n';
    }
    const std::vector<std::int32_t> logits(all.begin() + i * classes, all.begin() + (i + 1) * classes);
    const int cls = predicted_class(logits);
    correct += cls == labels[i];
    for (int k = 0; k < classes; ++k) exp += hex_word(static_cast<std::uint32_t>(logits[static_cast<std::size_t>(k)]), 32) + "\n";
    exp += hex_word(static_cast<std::uint64_t>(cls), 32) + "\n";
    exp += hex_word(labels[i], 32) + "\n";
  }
  info.expected_accuracy = static_cast<double>(correct) / count;
  write_text(out_dir / "images.hex", img);
  write_text(out_dir / "expected.hex", exp);

  std::ostringstream v;
  v << "// " << top << ": self-checking testbench of " << dut << " (" << count << " images).\n"
    << "// Generated by flowrun " << opt.generator << "; regenerate rather than edit.\n"
    << "// Streams every image (one pixel per cycle, channel-last), waits for the\n"
    << "// result and compares all " << classes << " logits and the class with the bit-exact\n"
    << "// integer model (expected.hex: per image " << classes << " logits, class, label).\n"
    << "// Also checks that each image's latency (first pixel accepted -> out_valid)\n"
    << "// is the compiler's " << s.latency_cycles << " cycles.\n"
    << "// Plusargs: +flowrun_shard=i +flowrun_shards=N run images [i*C/N, (i+1)*C/N);\n"
    << "// +max_images=M stops after M images; +vcd writes dump.vcd.\n"
    << "// out_ready is high " << opt.out_ready_percent << "% of the cycles (pseudo-random).\n\n"
    << "`timescale 1ns / 1ps\n\n"
    << "module " << top << ";\n"
    << "  localparam integer IMAGES = " << count << ";\n"
    << "  localparam integer PIXELS = " << npix << ";\n"
    << "  localparam integer CLASSES = " << classes << ";\n"
    << "  localparam integer WORDS = " << words << ";\n"
    << "  localparam integer LATENCY = " << s.latency_cycles << ";\n"
    << "  localparam integer STALL_LIMIT = " << 2 * s.latency_cycles + 1000 << ";\n"
    << "  localparam integer READY_PERCENT = " << opt.out_ready_percent << ";\n"
    << "  localparam integer MAX_REPORTS = 10;\n\n"
    << "  reg [7:0] images [0:IMAGES*PIXELS-1];\n"
    << "  reg [31:0] expected [0:IMAGES*WORDS-1];\n\n"
    << "  reg clk = 1'b0;\n  reg rst = 1'b1;\n  reg in_valid = 1'b0;\n  reg [7:0] in_pixel = 8'd0;\n"
    << "  reg out_ready = 1'b0;\n  wire in_ready, out_valid;\n"
    << "  wire [" << cw - 1 << ":0] out_class;\n  wire [" << classes * 32 - 1 << ":0] out_logits;\n\n"
    << "  " << dut << " dut (\n"
    << "    .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_pixel(in_pixel),\n"
    << "    .out_valid(out_valid), .out_ready(out_ready), .out_class(out_class),\n"
    << "    .out_logits(out_logits));\n\n"
    << "  always #5 clk = ~clk;\n\n"
    << "  integer shard = 0, shards = 1, max_images = 0;\n"
    << "  integer first = 0, last = 0;   // this process's images [first, last)\n"
    << "  integer img = 0, pix = 0;      // image being sent / next pixel\n"
    << "  integer checked = 0, mismatches = 0, logit_mismatches = 0, class_mismatches = 0;\n"
    << "  integer latency_mismatches = 0, correct = 0;\n"
    << "  integer cycles = 0, idle = 0, start_cycle = 0, lat = 0, lat_min = 0, lat_max = 0;\n"
    << "  integer k;\n"
    << "  reg waiting = 1'b0;   // image sent, result pending\n"
    << "  reg seen = 1'b0;      // out_valid of this result already timed\n"
    << "  reg done = 1'b0;\n"
    << "  reg bad;\n"
    << "  reg [31:0] lfsr = 32'h1;\n"
    << "  reg [31:0] want;\n\n"
    << "  initial begin\n"
    << "    if ($test$plusargs(\"vcd\")) begin\n      $dumpfile(\"dump.vcd\");\n      $dumpvars(0, "
    << top << ");\n    end\n"
    << "    if (!$value$plusargs(\"flowrun_shard=%d\", shard)) shard = 0;\n"
    << "    if (!$value$plusargs(\"flowrun_shards=%d\", shards)) shards = 1;\n"
    << "    if (!$value$plusargs(\"max_images=%d\", max_images)) max_images = 0;\n"
    << "    if (shards < 1) shards = 1;\n"
    << "    first = (IMAGES * shard) / shards;\n"
    << "    last = (IMAGES * (shard + 1)) / shards;\n"
    << "    if (max_images > 0 && last - first > max_images) last = first + max_images;\n"
    << "    img = first;\n"
    << "    lfsr = 32'h1234567 + shard;\n"
    << "`ifdef FLOWRUN_TBDIR\n"
    << "    $readmemh({`FLOWRUN_TBDIR, \"images.hex\"}, images);\n"
    << "    $readmemh({`FLOWRUN_TBDIR, \"expected.hex\"}, expected);\n"
    << "`else\n"
    << "    $readmemh(\"images.hex\", images);\n    $readmemh(\"expected.hex\", expected);\n"
    << "`endif\n"
    << "    // Reset for three clock cycles, released between a falling and a\n"
    << "    // rising edge. A delay, not @(negedge clk): an event control in an\n"
    << "    // initial block keeps a trigger that Verilator's scheduler checks at\n"
    << "    // every evaluation for the whole run (11 % of the simulation's\n"
    << "    // instructions on the F = 16 design).\n"
    << "    #32;\n"
    << "    rst = 1'b0;\n"
    << "  end\n\n"
    << "  task report;\n"
    << "    begin\n"
    << "      done = 1'b1;\n"
    << "      $display(\"FLOWRUN_RESULT {\\\"status\\\":\\\"%0s\\\",\\\"vectors\\\":%0d,"
       "\\\"mismatches\\\":%0d,\\\"logit_mismatches\\\":%0d,\\\"class_mismatches\\\":%0d,"
       "\\\"latency_mismatches\\\":%0d,\\\"correct\\\":%0d,\\\"cycles_per_image\\\":%0d,"
       "\\\"min_cycles_per_image\\\":%0d,\\\"expected_cycles_per_image\\\":%0d,\\\"cycles\\\":%0d,"
       "\\\"shard\\\":%0d,\\\"shards\\\":%0d}\",\n"
    << "               (mismatches == 0 && checked == last - first) ? \"PASS\" : \"FAIL\", checked,\n"
    << "               mismatches + (last - first - checked), logit_mismatches, class_mismatches,\n"
    << "               latency_mismatches, correct, lat_max, lat_min, LATENCY, cycles, shard, shards);\n"
    << "      $finish;\n"
    << "    end\n"
    << "  endtask\n\n"
    << "  // Inputs change and outputs are sampled on the falling edge.\n"
    << "  always @(negedge clk) if (!rst && !done) begin\n"
    << "    cycles = cycles + 1;\n"
    << "    idle = idle + 1;\n"
    << "    // 1. out_ready for the coming rising edge (back-pressure), then the\n"
    << "    // result: timed when first seen, taken when it meets out_ready.\n"
    << "    lfsr = {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};\n"
    << "    out_ready = (lfsr % 100) < READY_PERCENT;\n"
    << "    if (out_valid && waiting) begin\n"
    << "      if (!seen) begin\n"
    << "        seen = 1'b1;\n"
    << "        lat = cycles - start_cycle;\n"
    << "        if (lat != LATENCY) begin\n"
    << "          latency_mismatches = latency_mismatches + 1;\n"
    << "          if (latency_mismatches <= MAX_REPORTS)\n"
    << "            $display(\"tb: image %0d: latency %0d cycles, the schedule says %0d\", img, lat, LATENCY);\n"
    << "        end\n"
    << "        if (checked == 0 || lat < lat_min) lat_min = lat;\n"
    << "        if (lat > lat_max) lat_max = lat;\n"
    << "      end\n"
    << "      if (out_ready) begin\n"
    << "        bad = 1'b0;\n"
    << "        for (k = 0; k < CLASSES; k = k + 1) begin\n"
    << "          want = expected[img*WORDS + k];\n"
    << "          if (out_logits[k*32 +: 32] != want) begin\n"
    << "            bad = 1'b1;\n"
    << "            logit_mismatches = logit_mismatches + 1;\n"
    << "            if (logit_mismatches <= MAX_REPORTS)\n"
    << "              $display(\"tb: image %0d: logit %0d is %0d, expected %0d\", img, k,\n"
    << "                       $signed(out_logits[k*32 +: 32]), $signed(want));\n"
    << "          end\n"
    << "        end\n"
    << "        want = expected[img*WORDS + CLASSES];\n"
    << "        if ({" << 32 - cw << "'d0, out_class} != want) begin\n"
    << "          bad = 1'b1;\n"
    << "          class_mismatches = class_mismatches + 1;\n"
    << "          if (class_mismatches <= MAX_REPORTS)\n"
    << "            $display(\"tb: image %0d: class %0d, expected %0d\", img, out_class, want);\n"
    << "        end\n"
    << "        if ({" << 32 - cw << "'d0, out_class} == expected[img*WORDS + CLASSES + 1]) correct = correct + 1;\n"
    << "        if (bad || lat != LATENCY) mismatches = mismatches + 1;\n"
    << "        checked = checked + 1;\n"
    << "        if (checked % 1000 == 0)\n"
    << "          $display(\"tb: %0d of %0d images checked, %0d mismatches\", checked, last - first, mismatches);\n"
    << "        waiting = 1'b0;\n"
    << "        seen = 1'b0;\n"
    << "        idle = 0;\n"
    << "        img = img + 1;\n"
    << "        pix = 0;\n"
    << "      end\n"
    << "    end\n"
    << "    // 2. Stream the next image's pixels while the DUT accepts them (in_ready\n"
    << "    // only changes on rising edges, so a pixel offered now is taken).\n"
    << "    in_valid = 1'b0;\n"
    << "    if (!waiting && img < last && in_ready) begin\n"
    << "      if (pix == 0) start_cycle = cycles;\n"
    << "      in_valid = 1'b1;\n"
    << "      in_pixel = images[img*PIXELS + pix];\n"
    << "      pix = pix + 1;\n"
    << "      idle = 0;\n"
    << "      if (pix == PIXELS) waiting = 1'b1;\n"
    << "    end\n"

    << "    if (img >= last && !waiting) report;\n"
    << "    if (!done && idle > STALL_LIMIT) begin\n"
    << "      $display(\"tb: no progress for %0d cycles at image %0d (pixel %0d, in_ready=%b, out_valid=%b)\",\n"
    << "               STALL_LIMIT, img, pix, in_ready, out_valid);\n"
    << "      report;\n"
    << "    end\n"
    << "  end\n"
    << "endmodule\n";
  write_text(out_dir / (top + ".v"), v.str());

  data.push_back("images.hex");
  data.push_back("expected.hex");
  nlohmann::json tj = {{"format", "flowrun.testbench/1"},
                       {"top", top},
                       {"sources", {top + ".v"}},
                       {"timeout_s", opt.timeout_s},
                       {"shardable", true},
                       // How sim.* merges the shards' result lines: correct
                       // is a count, cycles_per_image the largest latency.
                       {"merge", {{"correct", "sum"}, {"cycles_per_image", "max"}}},
                       {"dut", dut},
                       {"vectors", count},
                       {"latency_cycles", s.latency_cycles},
                       {"data", data},
                       {"provenance", opt.provenance}};
  write_text(out_dir / "testbench.json", tj.dump(2) + "\n");
  return info;
}

}  // namespace flowrun::cnn::rtl
