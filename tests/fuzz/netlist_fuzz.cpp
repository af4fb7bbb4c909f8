// Fuzz entry point: the structural-Verilog netlist reader (plugins/common/
// gates) over flowrun's own cell library, plus simulation of what it
// accepts when that is small.
#include "fuzz_support.hpp"

#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

namespace {

const flowrun::liberty::Library& cells() {
  static const auto lib = flowrun::liberty::read_liberty(FLOWRUN_FUZZ_CELL_LIBRARY);
  return lib;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.v";
  try {
    const auto nl = flowrun::gates::parse_netlist(text, name, cells());
    nl.check();
    // Exhaustive simulation doubles per input bit: keep it to small netlists.
    if (nl.num_input_bits() <= 10 && nl.gates.size() <= 4096) flowrun::gates::simulate(nl);
  } catch (const flowrun::gates::NetlistError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), name);
  }
  return 0;
}
