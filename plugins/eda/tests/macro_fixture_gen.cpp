// Writes the SRAM macro fixture of the eda flow tests (flows/rom_macros/:
// two ROMs of the rom_dot test design, their behavioural models and one
// Liberty library) with flowrun_sram, exactly as a generator stage would.
// The test macro_fixture_up_to_date regenerates it and compares.
#include <flowrun_sram/sram.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: eda_macro_fixture_gen OUT_DIR\n";
    return 2;
  }
  namespace fs = std::filesystem;
  using namespace flowrun::sram;
  const fs::path out = argv[1];
  fs::create_directories(out);
  Macro a{"rom_a", 16, 8, "rom_a.hex", "rom_dot test design: operand A (plugins/eda/tests/flows/rom_dot.v)"};
  Macro b{"rom_b", 8, 6, "rom_b.hex", "rom_dot test design: operand B, read at addr[2:0]"};
  for (const Macro& m : {a, b}) std::ofstream(out / (m.name + ".v"), std::ios::binary) << verilog_model(m);
  std::ofstream(out / "rom_macros.lib", std::ios::binary) << liberty("rom_macros", {a, b}, default_tech());
  return 0;
}
