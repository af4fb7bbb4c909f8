// Verilog text of the exact multiplier (rtl.multiplier) and of the
// exhaustive goldenbrick testbench (testbench.arith).
#pragma once

#include "mult_shape.hpp"

#include <string>

namespace flowrun::arith {

// `provenance` lines become the // comment at the top.
std::string multiplier_verilog(const MultShape& shape, const std::string& provenance);

// The testbench module name for a design module.
std::string testbench_module(const MultShape& shape);

// tb.v: drives every (a, b) pair in table order, compares y with
// expected.hex (read from `FLOWRUN_TBDIR), writes every y to table.hex in
// the simulator's working folder and prints one line
//   FLOWRUN_RESULT {"status":"PASS"|"FAIL","vectors":N,"mismatches":M}
// before $finish. The first `max_report` mismatches are printed.
std::string testbench_verilog(const MultShape& shape, const std::string& provenance, int max_report);

}  // namespace flowrun::arith
