// flowrun_liberty: reading flowrun's own library, functions, malformed input.
#include <flowrun_liberty/liberty.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace flowrun::liberty;

namespace {

// Expects parse_liberty(text) to throw with a message containing `what`.
void expect_error(const std::string& text, const std::string& what) {
  try {
    parse_liberty(text, "bad.lib");
    FAIL() << "no error; expected: " << what;
  } catch (const LibertyError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << what;
  }
}

std::uint64_t tt(const std::string& f, std::vector<std::string> vars) {
  return function_truth(f, vars, "t");
}

}  // namespace

TEST(Liberty, ReadsFlowrunCells) {
  Library lib = read_liberty(FLOWRUN_CELLS_LIB);
  EXPECT_EQ(lib.name, "flowrun_cells");
  ASSERT_EQ(lib.cells.size(), 9u);
  struct Want { const char* name; int transistors; std::uint64_t truth; };
  // inputs[0] = A = LSB: assignments (B,A) = 00, 01, 10, 11 -> bits 0..3.
  for (const Want& w : {Want{"NAND2", 4, 0b0111}, Want{"NOR2", 4, 0b0001}, Want{"AND2", 6, 0b1000},
                        Want{"OR2", 6, 0b1110}, Want{"XOR2", 10, 0b0110}, Want{"XNOR2", 10, 0b1001},
                        Want{"INV", 2, 0b01}, Want{"BUF", 4, 0b10}}) {
    const LibCell* c = lib.find(w.name);
    ASSERT_NE(c, nullptr) << w.name;
    EXPECT_EQ(c->transistors, w.transistors) << w.name;
    EXPECT_TRUE(c->has_truth) << w.name;
    EXPECT_EQ(c->truth, w.truth) << w.name;
    EXPECT_FALSE(c->sequential) << w.name;
    EXPECT_EQ(c->output, "Y");
    EXPECT_GT(c->area, 0);
  }
  const LibCell* nand = lib.find("NAND2");
  EXPECT_EQ(nand->inputs, (std::vector<std::string>{"A", "B"}));
  EXPECT_NEAR(nand->pin("A")->capacitance, 0.0016 * 4 / 3, 1e-6);
  const LibCell* ff = lib.find("DFFR");
  ASSERT_NE(ff, nullptr);
  EXPECT_TRUE(ff->sequential);
  EXPECT_FALSE(ff->has_truth);
  EXPECT_EQ(ff->transistors, 28);
  EXPECT_EQ(ff->inputs, (std::vector<std::string>{"D", "CK", "RN"}));
  EXPECT_EQ(ff->output, "Q");
  EXPECT_TRUE(ff->pin("CK")->clock);
  EXPECT_EQ(lib.find("NAND3"), nullptr);
}

TEST(LibertyFunction, OperatorsAndPrecedence) {
  std::vector<std::string> ab = {"A", "B"};
  EXPECT_EQ(tt("A'", {"A"}), 0b01u);
  EXPECT_EQ(tt("!A", {"A"}), 0b01u);
  EXPECT_EQ(tt("A B", ab), 0b1000u);          // juxtaposition = AND
  EXPECT_EQ(tt("A*B", ab), 0b1000u);
  EXPECT_EQ(tt("A&B", ab), 0b1000u);
  EXPECT_EQ(tt("A+B", ab), 0b1110u);
  EXPECT_EQ(tt("A|B", ab), 0b1110u);
  EXPECT_EQ(tt("A^B", ab), 0b0110u);
  EXPECT_EQ(tt("(A B)'", ab), 0b0111u);
  EXPECT_EQ(tt("!(A+B)", ab), 0b0001u);
  EXPECT_EQ(tt("A'B", ab), 0b0100u);           // (!A)&B
  EXPECT_EQ(tt("1", ab), 0b1111u);
  EXPECT_EQ(tt("0", ab), 0u);
  std::vector<std::string> abc = {"A", "B", "C"};
  // AND binds tighter than OR: A + B C
  EXPECT_EQ(tt("A + B C", abc), tt("A | (B & C)", abc));
  // XOR binds tighter than AND: A B ^ C = A & (B ^ C)
  EXPECT_EQ(tt("A B ^ C", abc), tt("A & (B ^ C)", abc));
  EXPECT_EQ(tt("A(B+C)", abc), tt("A & (B | C)", abc));
  // A majority function over 3 inputs.
  EXPECT_EQ(tt("(A B) + (A C) + (B C)", abc), 0b11101000u);
  // Six inputs fill all 64 bits.
  std::vector<std::string> six = {"a", "b", "c", "d", "e", "f"};
  EXPECT_EQ(tt("a+b+c+d+e+f", six), ~std::uint64_t{0} - 1);
}

TEST(LibertyFunction, Errors) {
  EXPECT_THROW(tt("A &", {"A"}), LibertyError);
  EXPECT_THROW(tt("(A", {"A"}), LibertyError);
  EXPECT_THROW(tt("A ) B", {"A", "B"}), LibertyError);
  try {
    tt("A & C", {"A", "B"});
    FAIL();
  } catch (const LibertyError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown pin 'C'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tt("a", {"a", "b", "c", "d", "e", "f", "g"}), LibertyError);
}

TEST(Liberty, MinimalLibraryWithCommentsAndPinLists) {
  Library lib = parse_liberty(R"LIB(
/* a comment */
library (tiny) {
  // line comment
  time_unit : "1ns" ;
  define (flowrun_transistors, cell, integer);
  cell (AOI21) {
    area : 1.5;
    flowrun_transistors : 6;
    pin (A1, A2, B) { direction : input; capacitance : 0.002; }
    pin (ZN) {
      direction : output;
      function : "!((A1 A2) + B)";
      timing () { related_pin : "A1"; cell_rise (scalar) { values ( \
        "0.1" ); } }
    }
  }
  cell (LATCH) {
    area : 3;
    latch (IQ, IQN) { enable : "G"; data_in : "D"; }
    pin (D) { direction : input; }
    pin (G) { direction : input; }
    pin (Q) { direction : output; function : "IQ"; }
  }
}
)LIB",
                              "tiny.lib");
  ASSERT_EQ(lib.cells.size(), 2u);
  const LibCell& aoi = lib.cells[0];
  EXPECT_EQ(aoi.inputs, (std::vector<std::string>{"A1", "A2", "B"}));
  EXPECT_EQ(aoi.output, "ZN");
  EXPECT_EQ(aoi.transistors, 6);
  EXPECT_EQ(aoi.truth, ~tt("(A1&A2)|B", {"A1", "A2", "B"}) & 0xffu);
  EXPECT_TRUE(lib.cells[1].sequential);
  EXPECT_EQ(lib.cells[1].transistors, -1);
}

TEST(Liberty, MalformedInputNamesFileAndLine) {
  expect_error("library (x) {\n  cell (A) {\n    area : 1;\n", "bad.lib:2: expected '}' to close group 'cell'");
  expect_error("library (x) {\n  cell (A) {\n    area 1;\n  }\n}\n", "bad.lib:3: expected ':' or '('");
  expect_error("library (x) {\n  cell (A) {\n    area : abc;\n  }\n}\n",
               "bad.lib:3: expected a number for 'area', got 'abc'");
  expect_error("library (x) {\n cell (A) {\n  flowrun_transistors : 4.5;\n }\n}\n",
               "bad.lib:3: expected an integer for 'flowrun_transistors'");
  expect_error("library (x) {\n cell (A) {\n  pin (Y) { direction : output; function : \"!(A\"; }\n"
               "  pin (A) { direction : input; }\n }\n}\n",
               "bad.lib:3: in function \"!(A\"");
  expect_error("library (x) {\n cell (A) {\n  pin (A) { direction : input; }\n"
               "  pin (Y) { direction : output;\n function : \"A & Z\"; }\n }\n}\n",
               "bad.lib:5: in function \"A & Z\" at column 5: unknown pin 'Z'");
  expect_error("library (x) {\n cell (A) {\n  pin (A) { capacitance : 1; }\n }\n}\n",
               "bad.lib:3: expected a 'direction' attribute in pin 'A'");
  expect_error("library (x) {\n cell (A) {\n  pin (A) { direction : sideways; }\n }\n}\n",
               "bad.lib:3: expected direction input, output, inout or internal");
  expect_error("cell (A) { }\n", "bad.lib:1: expected 'library (NAME) {'");
  expect_error("library (x) {\n}\n", "expected at least one 'cell (NAME) {'");
  expect_error("library (x) {\n cell (A) { area : 1; }\n cell (A) { area : 1; }\n}\n",
               "bad.lib:3: cell 'A' is defined twice");
  expect_error("library (x) { cell (A) { area : 1; } }\n}\n", "bad.lib:2: expected the end of the file");
  expect_error("library (x) {\n /* never closed\n}\n", "bad.lib:2: expected '*/'");
  expect_error("library (x) {\n comment : \"open\n}\n", "bad.lib:2: expected a closing '\"'");
  expect_error("", "bad.lib:1: expected a library group");
  EXPECT_THROW(read_liberty("/nonexistent/cells.lib"), LibertyError);
}

TEST(Liberty, WithoutCellsKeepsEverythingElse) {
  const std::string text = "library (x) {\n  a : 1;\n  cell (A) { area : 1; }\n  cell (B) { area : 2; }\n}\n";
  std::string out = liberty_without_cells(text, "x.lib", {"A"});
  EXPECT_EQ(out, "library (x) {\n  a : 1;\n  /* cell (A) removed by flowrun */\n  cell (B) { area : 2; }\n}\n");
  Library lib = parse_liberty(out, "x.lib");
  ASSERT_EQ(lib.cells.size(), 1u);
  EXPECT_EQ(lib.cells[0].name, "B");
  EXPECT_THROW(liberty_without_cells(text, "x.lib", {"C"}), LibertyError);
  // The real library minus NOR2 and BUF still reads, with 7 cells.
  std::ifstream in(FLOWRUN_CELLS_LIB);
  std::stringstream ss;
  ss << in.rdbuf();
  Library cut = parse_liberty(liberty_without_cells(ss.str(), "cells.lib", {"NOR2", "BUF"}), "cells.lib");
  EXPECT_EQ(cut.cells.size(), 7u);
  EXPECT_EQ(cut.find("NOR2"), nullptr);
}
