// Names that try to inject Verilog or leave the output folder never reach
// rtl.cnn's or testbench.cnn's Verilog: a module_name param, a module_name
// in a design.json handed to testbench.cnn, and an escaped module or port
// name in the MAC multiplier netlist are each refused with a message
// naming where the name came from (docs/security.md).
#include "rtl/accel.hpp"
#include "rtl/mac_multiplier.hpp"
#include "rtl/testbench_gen.hpp"
#include "rtl_test_support.hpp"

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace flowrun::cnn::rtl {
namespace {

const Shape kMnist{1, 28, 28};
const char* kCells = CNN_SOURCE_DIR "/../../cells/flowrun_cells.lib";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CnnVerilogInjection, IdentifierCheck) {
  for (const char* ok : {"cnn_accel", "_x", "A9"}) EXPECT_TRUE(verilog_identifier(ok)) << ok;
  for (const char* bad : {"", "9a", "a b", "a;endmodule", "../x", "a/b", "\\esc", "a$b", "m\n"})
    EXPECT_FALSE(verilog_identifier(bad)) << bad;
}

TEST(CnnVerilogInjection, HostileModuleNameIsRefusedByTheCompiler) {
  const QModel q = test::random_qmodel(test::kDefaultNet, kMnist, 1);
  CompileOptions o;
  o.banking = 16;
  for (const char* name : {"m; endmodule module evil", "../../escape", "a b"}) {
    o.module_name = name;
    const std::string e = error_of([&] { compile(q, o, "rtl.cnn"); });
    EXPECT_NE(e.find("rtl.cnn: module_name '" + std::string(name) + "' is not a Verilog identifier"),
              std::string::npos)
        << e;
  }
}

TEST(CnnVerilogInjection, HostileModuleNameInDesignJsonIsRefusedBeforeATestbenchIsWritten) {
  // testbench.cnn compiles the design again from design.json's options;
  // a design.json edited to carry an injection must not get that far.
  const QModel q = test::random_qmodel(test::kDefaultNet, kMnist, 2);
  CompileOptions o;
  o.banking = 16;
  const Design d = compile(q, o, "t");
  const auto dir = test::fresh_dir("injection_design");
  write_design(d, (dir / "verilog").string(), "");
  const auto dj = dir / "verilog" / "design.json";
  nlohmann::json j = nlohmann::json::parse(test::read_file(dj));
  j["options"]["module_name"] = "../../evil); endmodule module evil(";
  std::ofstream(dj) << j.dump(2);
  const std::string e = error_of([&] { check_design(q, dir / "verilog"); });
  EXPECT_NE(e.find(dj.string() + ": module_name '../../evil); endmodule module evil(' is not a Verilog identifier"),
            std::string::npos)
      << e;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir.parent_path()))
    EXPECT_EQ(f.path().filename().string().find("evil"), std::string::npos) << f.path();
}

TEST(CnnVerilogInjection, EscapedNamesInTheMultiplierNetlistAreRefused) {
  const auto dir = test::fresh_dir("injection_mult");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  // Legal structural Verilog through escaped identifiers: the module name
  // would close the instantiating module, or make <module>.v a path.
  const auto module_inj = write("m1.v",
                                "module \\evil();endmodule (a, y);\n  input a;\n  output y;\n"
                                "  assign y = a;\nendmodule\n");
  std::string e = error_of([&] { load_mac_multiplier(module_inj, kCells, "signed", "", "", ""); });
  EXPECT_NE(e.find(module_inj.string() + ": module name 'evil();endmodule' is not a plain Verilog identifier"),
            std::string::npos)
      << e;
  const auto path_inj = write("m2.v", "module \\../../x (a, y);\n  input a;\n  output y;\n  assign y = a;\nendmodule\n");
  e = error_of([&] { load_mac_multiplier(path_inj, kCells, "signed", "", "", ""); });
  EXPECT_NE(e.find("module name '../../x' is not a plain Verilog identifier"), std::string::npos) << e;
  const auto port_inj = write("m3.v", "module m (\\a);x , y);\n  input \\a);x ;\n  output y;\n  assign y = \\a);x ;\nendmodule\n");
  e = error_of([&] { load_mac_multiplier(port_inj, kCells, "signed", "", "", ""); });
  EXPECT_NE(e.find("port name 'a);x' of module m is not a plain Verilog identifier"), std::string::npos) << e;
}

}  // namespace
}  // namespace flowrun::cnn::rtl
