// A small Liberty (.lib) reader: enough of the format to know a library's
// cells — names, areas, pins, the boolean function of each output (as a
// truth table), which cells are sequential, and flowrun's
// `flowrun_transistors` user attribute. Timing and power tables are parsed
// for syntax but not kept.
//
// Malformed input throws LibertyError with "FILE:LINE: expected ..." so a
// stage can pass the message straight to the user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::liberty {

class LibertyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LibPin {
  std::string name;
  std::string direction;  // "input", "output", "inout", "internal"
  std::string function;   // Liberty expression text; empty when none
  double capacitance = 0; // in the library's capacitive_load_unit
  bool clock = false;
  int line = 0;           // line of the function attribute, else of the pin group
};

struct LibCell {
  std::string name;
  double area = 0;              // in the library's area unit (µm² by convention)
  int transistors = -1;         // flowrun_transistors attribute; -1 when absent
  std::vector<std::string> inputs;  // input pins in file order
  std::string output;           // the first output pin that has a function
  std::vector<std::string> outputs;  // every output pin, file order
  // Truth table of `output` over `inputs`: bit i is the output for the input
  // assignment i, where inputs[0] is the least significant bit of i. Only
  // meaningful when has_truth (combinational, at most 6 inputs, has a
  // function).
  std::uint64_t truth = 0;
  bool has_truth = false;
  bool sequential = false;      // has an ff, latch or statetable group
  std::vector<LibPin> pins;     // all pins, file order
  int line = 0;                 // where the cell group starts

  const LibPin* pin(std::string_view name) const {
    for (const auto& p : pins) if (p.name == name) return &p;
    return nullptr;
  }
  // Output value for an input assignment (bit k = value of inputs[k]).
  bool eval(std::uint64_t assignment) const { return (truth >> assignment) & 1u; }
};

struct Library {
  std::string file;  // as given to read_liberty / parse_liberty
  std::string name;  // library (NAME)
  std::vector<LibCell> cells;  // file order

  const LibCell* find(std::string_view cell) const {
    for (const auto& c : cells) if (c.name == cell) return &c;
    return nullptr;
  }
};

// Reads and interprets a Liberty file. Throws LibertyError naming the file
// (and line) when it cannot be read or is malformed.
Library read_liberty(const std::filesystem::path& file);

// The same for text already in memory; file_name is used in messages.
Library parse_liberty(std::string_view text, const std::string& file_name);

// The text of a Liberty library with the named cells' groups removed (and
// nothing else changed), e.g. to restrict a technology mapper to a subset of
// cells. Throws LibertyError for malformed text or a name that is not a
// cell of the library.
std::string liberty_without_cells(std::string_view text, const std::string& file_name,
                                  const std::vector<std::string>& drop);

// Truth table of a Liberty boolean expression over the given variables
// (at most 6; variables[0] = LSB of the assignment index). Operators, from
// the highest precedence: ! (prefix) and ' (postfix) NOT; ^ XOR; * & and
// juxtaposition AND; + | OR; parentheses; constants 0 and 1. Throws
// LibertyError("where: ...") for a syntax error or an unknown name; `where`
// prefixes every message (e.g. "cells.lib:12").
std::uint64_t function_truth(std::string_view expression,
                             const std::vector<std::string>& variables,
                             const std::string& where);

}  // namespace flowrun::liberty
