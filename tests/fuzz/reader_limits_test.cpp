// The documented limits of the readers of outside data (docs/security.md,
// "Limits of the readers"): each oversized or broken input is one clear
// error naming the file and the place, found without a crash, a hang or
// memory in proportion to what the input claims.
#include "fuzz_support.hpp"
#include "limits_test_support.hpp"

#include "csv_reader.hpp"
#include "recording_csv.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>


namespace fz = flowrun::fuzz;
namespace fs = std::filesystem;
using flowrun::fuzz::error_of;

namespace {

const flowrun::liberty::Library& cells() {
  static const auto lib = flowrun::liberty::read_liberty(FLOWRUN_FUZZ_CELL_LIBRARY);
  return lib;
}

}  // namespace

// ------------------------------------------------------------------- CSV

TEST(CsvLimits, AMillionColumnsInATenMegabyteLineAreRead) {
  constexpr int kRois = 1'000'000;
  std::string header;
  header.reserve(10'000'000);
  for (int i = 0; i < kRois; ++i) header += "roi" + std::to_string(i) + ",";
  header += "label\n";
  ASSERT_GE(header.size(), 8'000'000u);
  std::string row;
  for (int i = 0; i < kRois; ++i) row += "1,";
  std::string text = header;
  for (int k = 0; k < 4; ++k) text += row + std::to_string(k % 2) + "\n";
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "wide.csv", text);
  const auto rec = flowrun::neuro::read_recording(file, {});
  EXPECT_EQ(rec.data.rois, kRois);
  EXPECT_EQ(rec.roi_names.back(), "roi999999");
}

TEST(CsvLimits, ALineLongerThanTheLimitIsRejectedNamingTheLine) {
  const std::string text = "a,label\n" + std::string(flowrun::neuro::kMaxCsvLineBytes + 1, '7');
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "long.csv", text);
  const auto e = error_of<flowrun::StageError>([&] { flowrun::neuro::read_recording(file, {}); });
  EXPECT_CONTAINS(e, file.string() + ":2:");
  EXPECT_CONTAINS(e, "expected lines of at most 32 MiB");
}

TEST(CsvLimits, ARowWithMoreCellsThanTheLimitIsRejected) {
  const std::string text = std::string(flowrun::neuro::kMaxCsvCells, ',') + "label\n";
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "cells.csv", text);
  const auto e = error_of<flowrun::StageError>([&] { flowrun::neuro::read_recording(file, {}); });
  EXPECT_CONTAINS(e, file.string() + ":1:1: expected at most 2097152 cells in a row");
}

TEST(CsvLimits, AMissingColumnInAWideHeaderGivesAShortMessage) {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "c" + std::to_string(i) + ",";
  text += "x\n";
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "nolabel.csv", text);
  const auto e = error_of<flowrun::StageError>([&] { flowrun::neuro::read_recording(file, {}); });
  EXPECT_CONTAINS(e, "no column 'label'");
  EXPECT_CONTAINS(e, "and 99981 more");
  EXPECT_LT(e.size(), 2000u);
}

// --------------------------------------------------------------- Liberty

TEST(LibertyLimits, GroupsNestedDeeperThanTheLimitAreRejected) {
  std::string deep = "library (x) {\n";
  for (int i = 0; i < 100'000; ++i) deep += "g () {\n";
  const auto e = error_of<flowrun::liberty::LibertyError>([&] { flowrun::liberty::parse_liberty(deep, "deep.lib"); });
  EXPECT_CONTAINS(e, "deep.lib:65: expected groups nested at most 64 deep");
}

TEST(LibertyLimits, SixtyFourLevelsAreStillRead) {
  // library, cell, then 62 levels of (ignored) groups.
  std::string text = "library (x) {\n cell (TIE) {\n  pin (Y) { direction : output; function : \"1\"; }\n";
  for (int i = 2; i < 64; ++i) text += "g () {\n";
  for (int i = 0; i < 64; ++i) text += "}\n";
  const auto lib = flowrun::liberty::parse_liberty(text, "ok.lib");
  ASSERT_EQ(lib.cells.size(), 1u);
  EXPECT_EQ(lib.cells[0].name, "TIE");
}

TEST(LibertyLimits, DeeplyNestedFunctionsAreRejected) {
  const std::string parens = std::string(100'000, '(') + "A" + std::string(100'000, ')');
  const auto e1 = error_of<flowrun::liberty::LibertyError>(
      [&] { flowrun::liberty::function_truth(parens, {"A"}, "f.lib:3"); });
  EXPECT_CONTAINS(e1, "f.lib:3: in function");
  EXPECT_CONTAINS(e1, "nested at most 256 deep");
  const auto e2 = error_of<flowrun::liberty::LibertyError>(
      [&] { flowrun::liberty::function_truth(std::string(100'000, '!') + "A", {"A"}, "f.lib:4"); });
  EXPECT_CONTAINS(e2, "nested at most 256 deep");
  EXPECT_EQ(flowrun::liberty::function_truth("!!((A))", {"A"}, "f.lib:5"), 0b10u);
}

// --------------------------------------------------------------- netlist

TEST(NetlistLimits, MoreNetBitsThanTheLimitAreRejectedBeforeAllocating) {
  const std::string text =
      "module m (a, y);\n input a;\n output y;\n wire [999999:0] w0, w1, w2;\n wire [999997:0] w3;\n"
      " wire [1:0] more;\nendmodule\n";
  const auto e = error_of<flowrun::gates::NetlistError>(
      [&] { flowrun::gates::parse_netlist(text, "big.v", cells()); });
  EXPECT_CONTAINS(e, "big.v:6:");
  EXPECT_CONTAINS(e, "more than 4000000 declared net bits with 'more'");
}

TEST(NetlistLimits, MoreInstancesThanTheLimitAreRejected) {
  std::string text = "module m (a, y);\n input a;\n output y;\n";
  text.reserve(flowrun::gates::kMaxInstances * 32);
  for (std::size_t i = 0; i <= flowrun::gates::kMaxInstances; ++i)
    text += " INV g" + std::to_string(i) + " (.A(a), .Y());\n";
  text += "endmodule\n";
  const auto e = error_of<flowrun::gates::NetlistError>(
      [&] { flowrun::gates::parse_netlist(text, "many.v", cells()); });
  EXPECT_CONTAINS(e, "many.v:250004:");
  EXPECT_CONTAINS(e, "more than 250000 cell instances");
}

TEST(NetlistLimits, MoreTokensThanTheLimitAreRejectedBeforeParsing) {
  // Nine million one-character tokens: rejected while tokenizing, before
  // ~50 bytes per token are taken for all of them.
  std::string text = "module m (a, y);\n";
  text += std::string(9'000'000, ';');
  const auto e = error_of<flowrun::gates::NetlistError>(
      [&] { flowrun::gates::parse_netlist(text, "tokens.v", cells()); });
  EXPECT_CONTAINS(e, "tokens.v:2:");
  EXPECT_CONTAINS(e, "more than 8000000 tokens");
}

TEST(NetlistLimits, ALongChainOfAssignsIsReadInLinearTime) {
  // Each bit resolved by walking its assign chain once; a quadratic walk
  // would take minutes here.
  constexpr int kChain = 200'000;
  std::string text = "module m (a, y);\n input a;\n output y;\n wire [" + std::to_string(kChain) + ":0] w;\n";
  text += " assign w[0] = a;\n";
  for (int i = 1; i <= kChain; ++i)
    text += " assign w[" + std::to_string(i) + "] = w[" + std::to_string(i - 1) + "];\n";
  text += " INV g (.A(w[" + std::to_string(kChain) + "]), .Y(y));\nendmodule\n";
  const auto nl = flowrun::gates::parse_netlist(text, "chain.v", cells());
  EXPECT_EQ(nl.gates.size(), 1u);
}
