// An external multiplier netlist as the MAC multiplier of rtl.cnn's lanes
// (docs/approx-cnn.md, "The approximate accelerator"): an approx.ga result
// (or any 8x8 gate netlist on the cells synthesis and simulation use) that
// replaces the exact int8 x int8 product of every lane.
#pragma once

#include <filesystem>
#include <string>

namespace flowrun::cnn::rtl {

struct MacMultiplier {
  std::string mapping = "signed";  // "signed" | "sign_magnitude" (flowrun_cnn/lut.hpp)
  std::string module;              // the netlist's module
  std::string a_port, b_port, y_port;  // a <- weight, b <- activation, y = product (16 bits)
  std::string file_name;           // <module>.v in verilog/
  std::string text;                // the netlist file as given (copied unchanged)
  std::string sha256;              // of text (the caller sets it: ctx.input_sha256)
  std::string source;              // the input file's name (no folders: artifacts stay path-free)
  int cells = 0;                   // cell instances
  double area = 0;                 // summed Liberty area of the cells
};

// Reads `netlist` against the Liberty library (cells known, combinational,
// no loops) and finds its ports: two 8-bit inputs and one 16-bit output.
// Names given (non-empty) are used as they are; otherwise ports a and b
// when the module has them, else the first declared input is a (the
// weight). Throws StageError naming the file, the module, its ports and
// what the accelerator expects.
MacMultiplier load_mac_multiplier(const std::filesystem::path& netlist, const std::filesystem::path& liberty,
                                  const std::string& mapping, const std::string& a_port,
                                  const std::string& b_port, const std::string& y_port);

}  // namespace flowrun::cnn::rtl
