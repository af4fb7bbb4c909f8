// Fuzz entry point: the Liberty reader (plugins/common/liberty), including
// boolean function parsing and liberty_without_cells.
#include "fuzz_support.hpp"

#include <flowrun_liberty/liberty.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.lib";
  try {
    const auto lib = flowrun::liberty::parse_liberty(text, name);
    // Dropping the first cell re-reads the text with the group removed.
    if (!lib.cells.empty()) flowrun::liberty::liberty_without_cells(text, name, {lib.cells.front().name});
  } catch (const flowrun::liberty::LibertyError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), name);
  }
  return 0;
}
