// Fuzz entry point: the site configuration reader (core/src/site).
#include "fuzz_support.hpp"

#include "site_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = flowrun::fuzz::write_file(flowrun::fuzz::fresh_scratch_dir(), "site.yaml",
                                              {reinterpret_cast<const char*>(data), size});
  try {
    const auto site = flowrun::load_site_config(file);
    site.builtin_vars();
  } catch (const flowrun::SiteConfigError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), file.string());
  }
  return 0;
}
