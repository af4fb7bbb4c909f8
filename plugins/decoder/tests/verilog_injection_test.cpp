// Names and strings from flows and artifacts that try to inject Verilog
// (a module name closing the module and opening another, provenance text
// with line breaks) come out of rtl.decoder and testbench.decoder as one
// legal module each, lint-clean; docs/security.md.
#include "quantize.hpp"
#include "rtl_writer.hpp"
#include "testbench_writer.hpp"
#include "test_support.hpp"
#include "verilog_text.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace flowrun::decoder {
namespace {

namespace fs = std::filesystem;

const char* kHostileName = "m; endmodule module evil(); initial $system(\"id\"); endmodule module x";
const char* kHostileText = "abc\nendmodule\nmodule evil();\r\ninitial $system(\"touch pwned\");\n//";

// Module declarations at the start of a line (comments removed first).
std::vector<std::string> declared_modules(const std::string& verilog) {
  std::string code;
  std::istringstream in(verilog);
  for (std::string line; std::getline(in, line);) code += line.substr(0, line.find("//")) + "\n";
  std::vector<std::string> names;
  const std::regex decl(R"((^|\n)\s*module\s+([A-Za-z_][A-Za-z0-9_$]*))");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), decl); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[2]);
  return names;
}

// The hostile text's code fragments appear only inside comments (the
// sanitized module name may keep its words, joined into one identifier).
void expect_inert(const std::string& verilog) {
  std::istringstream in(verilog);
  for (std::string line; std::getline(in, line);) {
    const std::string code = line.substr(0, line.find("//"));
    for (const char* fragment : {"$system", "evil()", "; endmodule"})
      EXPECT_EQ(code.find(fragment), std::string::npos) << fragment << " in: " << line;
  }
}

QModel hostile_qmodel(const neuro::Dataset& data) {
  QuantizeOptions opt;
  opt.feature_bits = 12;
  opt.weight_bits = 10;
  opt.acc_bits = 64;
  QModel q = quantize_model(test::make_model(3, 2, 17), data, opt, "t");
  q.provenance = {{"model_sha256", kHostileText}, {"dataset_sha256", kHostileText},
                  {"stage", kHostileText}, {"stage_version", kHostileText}};
  return q;
}

TEST(VerilogInjection, CommentTextCannotEndItsLine) {
  EXPECT_EQ(comment_text("a\nb\r\nc\td\x7f" "e"), "a b  c d e");
  EXPECT_EQ(comment_text("plain text"), "plain text");
}

TEST(VerilogInjection, RtlDecoderDeclaresOneSanitizedModule) {
  const auto data = test::make_dataset(3, 5, 2, 2, 20);
  const QModel q = hostile_qmodel(data);
  RtlOptions opt;
  opt.module_name = kHostileName;
  opt.qmodel_sha256 = kHostileText;
  const RtlDesign d = generate_decoder_rtl(q, opt);
  EXPECT_EQ(d.module_name, sanitize_identifier(kHostileName));
  EXPECT_EQ(declared_modules(d.verilog), std::vector<std::string>{d.module_name});
  expect_inert(d.verilog);
  if (!test::have_program("verilator")) GTEST_SKIP() << "verilator not installed";
  const fs::path dir = test::scratch("injection_rtl");
  test::write_text(dir / "decoder.v", d.verilog);
  const auto r = test::run_in(dir, "verilator --lint-only -Wall decoder.v");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
}

TEST(VerilogInjection, TestbenchDecoderDeclaresOneSanitizedModule) {
  const auto data = test::make_dataset(3, 5, 2, 2, 20);
  const QModel q = hostile_qmodel(data);
  TestbenchOptions opt;
  opt.max_frames = 10;
  opt.module_name = kHostileName;
  opt.provenance = {{"qmodel_sha256", kHostileText}};
  const TestbenchArtifact tb = generate_testbench(q, data.eval, opt);
  EXPECT_EQ(declared_modules(tb.verilog), std::vector<std::string>{tb.top});
  EXPECT_EQ(tb.top, "tb_" + sanitize_identifier(kHostileName));
  // The DUT is instantiated by its sanitized name.
  EXPECT_NE(tb.verilog.find(sanitize_identifier(kHostileName) + " "), std::string::npos);
  expect_inert(tb.verilog);
  // With the matching RTL it compiles in Icarus as one design.
  if (!test::have_program("iverilog")) GTEST_SKIP() << "iverilog not installed";
  RtlOptions ro;
  ro.module_name = kHostileName;
  const fs::path dir = test::scratch("injection_tb");
  test::write_text(dir / "decoder.v", generate_decoder_rtl(q, ro).verilog);
  test::write_text(dir / "tb_decoder.v", tb.verilog);
  const auto r = test::run_in(dir, "iverilog -g2005 -DFLOWRUN_TBDIR='\"./\"' -s " + tb.top +
                                       " -o sim.vvp tb_decoder.v decoder.v");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace flowrun::decoder
