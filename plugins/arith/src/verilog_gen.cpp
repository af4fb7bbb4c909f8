#include "verilog_gen.hpp"

#include <sstream>

namespace flowrun::arith {

namespace {

std::string comment_block(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) out += line.empty() ? "//\n" : "// " + line + "\n";
  return out;
}

std::string range(int width) { return width > 1 ? "[" + std::to_string(width - 1) + ":0] " : ""; }

}  // namespace

std::string multiplier_verilog(const MultShape& s, const std::string& provenance) {
  std::ostringstream v;
  const char* sgn = s.is_signed ? "signed " : "";
  v << comment_block(provenance);
  v << "//\n// Exact " << s.describe() << " multiplier: y = a * b, full " << s.y_width()
    << "-bit product";
  if (s.is_signed) v << ",\n// operands and product in two's complement";
  v << ".\n// The product of an " << s.a_width << "-bit and a " << s.b_width << "-bit operand always fits in "
    << s.y_width() << " bits, so nothing is truncated.\n";
  v << "// The artifact file name (multiplier.v) need not match the module name.\n"
       "/* verilator lint_off DECLFILENAME */\n";
  v << "module " << s.module << " (\n"
    << "  input  wire " << sgn << range(s.a_width) << "a,\n"
    << "  input  wire " << sgn << range(s.b_width) << "b,\n"
    << "  output wire " << sgn << range(s.y_width()) << "y\n"
    << ");\n"
    << "  assign y = a * b;\n"
    << "endmodule\n";
  return v.str();
}

std::string testbench_module(const MultShape& s) { return "tb_" + s.module; }

std::string testbench_verilog(const MultShape& s, const std::string& provenance, int max_report) {
  const int n_bits = s.a_width + s.b_width;
  const std::size_t n = s.vectors();
  // Operand and product values as printed in mismatch messages.
  const std::string va = s.is_signed ? "$signed(a)" : "a";
  const std::string vb = s.is_signed ? "$signed(b)" : "b";
  const std::string vy = s.is_signed ? "$signed(y)" : "y";
  const std::string idx = "expected[k[" + std::to_string(n_bits - 1) + ":0]]";
  const std::string ve = s.is_signed ? "$signed(" + idx + ")" : idx;
  std::ostringstream v;
  v << comment_block(provenance);
  v << "//\n"
       "// Exhaustive goldenbrick testbench for the "
    << s.describe() << " multiplier module " << s.module
    << ".\n"
       "// Input pair k (0 .. "
    << n - 1 << ") is {a, b} = k: a is the high digit, as in lut.csv.\n"
       "// Reads the expected products from `FLOWRUN_TBDIR expected.hex, writes every\n"
       "// simulated product to table.hex in the working folder (same order) and\n"
       "// prints one FLOWRUN_RESULT line for the flowrun simulator stage.\n"
       "// FLOWRUN_TBDIR is the testbench folder with a trailing '/', given by\n"
       "// the simulator stage (-DFLOWRUN_TBDIR=...).\n"
       "`ifndef FLOWRUN_TBDIR\n"
       "`define FLOWRUN_TBDIR \"\"\n"
       "`endif\n"
       "/* verilator lint_off DECLFILENAME */\n"
       "module "
    << testbench_module(s)
    << ";\n"
       "  localparam [" << n_bits << ":0] N = " << n_bits + 1 << "'d"
    << n
    << ";  // pairs to drive\n"
       "  localparam integer MAX_REPORT = "
    << max_report
    << ";\n\n"
       "  reg  "
    << range(s.a_width) << "a;\n  reg  " << range(s.b_width) << "b;\n  wire " << range(s.y_width())
    << "y;\n  reg  " << range(s.y_width()) << "expected [0:N-1];\n"
    << "  reg  " << range(n_bits + 1) << "k;  // one bit wider than {a, b}, so the loop can end\n"
    << "  integer mismatches;\n  integer fd;\n\n"
    << "  " << s.module << " dut (." << s.a_port << "(a), ." << s.b_port << "(b), ." << s.y_port << "(y));\n\n"
    << "  initial begin\n"
       "    $readmemh({`FLOWRUN_TBDIR, \"expected.hex\"}, expected);\n"
       "    fd = $fopen(\"table.hex\", \"w\");\n"
       "    if (fd == 0) begin\n"
       "      $display(\"cannot open table.hex for writing\");\n"
       "      $display(\"FLOWRUN_RESULT {\\\"status\\\":\\\"FAIL\\\",\\\"vectors\\\":0,\\\"mismatches\\\":0}\");\n"
       "      $finish;\n"
       "    end\n"
       "    mismatches = 0;\n"
       "    for (k = 0; k < N; k = k + 1) begin\n"
    << "      {a, b} = k[" << n_bits - 1 << ":0];\n"
    << "      #1;\n"
       "      $fwrite(fd, \"%h\\n\", y);\n"
       "      if (y !== expected[k[" << n_bits - 1 << ":0]]) begin\n"
       "        mismatches = mismatches + 1;\n"
       "        if (mismatches <= MAX_REPORT)\n"
       "          $display(\"mismatch: a=%0d b=%0d y=%0d expected %0d\", "
    << va << ", " << vb << ", " << vy << ", " << ve
    << ");\n"
       "      end\n"
       "    end\n"
       "    $fclose(fd);\n"
       "    if (mismatches == 0)\n"
       "      $display(\"FLOWRUN_RESULT {\\\"status\\\":\\\"PASS\\\",\\\"vectors\\\":%0d,\\\"mismatches\\\":0}\", N);\n"
       "    else\n"
       "      $display(\"FLOWRUN_RESULT {\\\"status\\\":\\\"FAIL\\\",\\\"vectors\\\":%0d,\\\"mismatches\\\":%0d}\", N, "
       "mismatches);\n"
       "    $finish;\n"
       "  end\n"
       "endmodule\n";
  return v.str();
}

}  // namespace flowrun::arith
