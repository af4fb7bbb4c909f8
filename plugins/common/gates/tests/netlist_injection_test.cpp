// The structural-netlist writer (approx.ga's netlist output, flowrun's own
// netlists) under names that try to inject Verilog: escaped identifiers in
// the module, port, net and instance names, and a header comment (which
// approx.ga fills with params and input file names) holding line breaks.
// The result declares one module, reads back the same, and lints clean
// (docs/security.md).
#include "test_library.hpp"

#include <flowrun_gates/netlist.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fg = flowrun::gates;
namespace fs = std::filesystem;
using fg::test::cells;

namespace {

// A legal netlist whose every name is an escaped identifier carrying code.
const char* kHostile = R"(
module \evil();endmodule/*x (\a);initial$finish; , y);
  input \a);initial$finish; ; output y;
  wire \w;endmodule ;
  INV \g;module`define (.A(\a);initial$finish; ), .Y(\w;endmodule ));
  INV g2 (.A(\w;endmodule ), .Y(y));
endmodule)";

const char* kHeader = "weights: my\nfile.csv\nendmodule module evil(); endmodule\r\n// $finish";

std::vector<std::string> declared_modules(const std::string& verilog) {
  std::string code;
  std::istringstream in(verilog);
  for (std::string line; std::getline(in, line);) code += line.substr(0, line.find("//")) + "\n";
  std::vector<std::string> names;
  const std::regex decl(R"((^|\n)\s*module\s+([^\s(;]+))");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), decl); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[2]);
  return names;
}

TEST(NetlistInjection, EscapedNamesAndHeaderLinesStayInert) {
  const fg::Netlist nl = fg::parse_netlist(kHostile, "hostile.v", cells());
  ASSERT_EQ(nl.module, "evil();endmodule/*x");
  std::ostringstream os;
  fg::write_netlist(nl, os, kHeader);
  const std::string text = os.str();
  // One module, under a plain identifier; every header line is a comment.
  const auto modules = declared_modules(text);
  ASSERT_EQ(modules.size(), 1u) << text;
  EXPECT_TRUE(std::regex_match(modules[0], std::regex("[A-Za-z_][A-Za-z0-9_]*"))) << modules[0];
  EXPECT_EQ(text.find('\\'), std::string::npos) << text;  // no escaped identifiers left
  EXPECT_EQ(text.find('`'), std::string::npos) << text;
  // Outside comments: no system task, no `endmodule` but the last line's,
  // no second port list (sanitized names may keep the words, as identifiers).
  std::istringstream in(text);
  int endmodules = 0;
  const std::regex endmodule_keyword(R"((^|[^A-Za-z0-9_$])endmodule([^A-Za-z0-9_$]|$))");
  for (std::string line; std::getline(in, line);) {
    const std::string code = line.substr(0, line.find("//"));
    EXPECT_EQ(code.find('$'), std::string::npos) << line;
    EXPECT_EQ(code.find("();"), std::string::npos) << line;
    if (std::regex_search(code, endmodule_keyword)) {
      EXPECT_EQ(code, "endmodule") << line;
      ++endmodules;
    }
  }
  EXPECT_EQ(endmodules, 1);
  // The same circuit reads back: two inverters, one input, one output.
  const fg::Netlist back = fg::parse_netlist(text, "back.v", cells());
  EXPECT_EQ(back.gates.size(), 2u);
  EXPECT_EQ(back.ports.size(), 2u);

  if (std::system("command -v verilator >/dev/null 2>&1") != 0) GTEST_SKIP() << "verilator not installed";
  const fs::path dir = fs::temp_directory_path() / ("flowrun_gates_injection_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "netlist.v") << text;
  const std::string out = (dir / "lint.txt").string();
  const int rc = std::system(("verilator --lint-only -Wall --top-module " + modules[0] + " " FLOWRUN_CELLS_DIR
                              "/flowrun_cells.v " + (dir / "netlist.v").string() + " >" + out + " 2>&1")
                                 .c_str());
  std::ifstream lint(out);
  std::stringstream ss;
  ss << lint.rdbuf();
  EXPECT_EQ(rc, 0) << ss.str();
  EXPECT_EQ(ss.str(), "");
  fs::remove_all(dir);
}

}  // namespace
