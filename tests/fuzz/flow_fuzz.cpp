// Fuzz entry point: the flow loader and validator (core/src/flow) against
// the stages of the demo test plugin. Plugin paths the flow names are
// parsed but never loaded (the fuzzer would dlopen whatever it invents).
#include "fuzz_support.hpp"

#include "flow_parser.hpp"

namespace {

const flowrun::Registry& registry() {
  static const flowrun::Registry r = [] {
    flowrun::Registry reg;
    reg.load(FLOWRUN_FUZZ_DEMO_PLUGIN);
    return reg;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = flowrun::fuzz::fresh_scratch_dir();
  const auto file = flowrun::fuzz::write_file(dir, "flow.yaml", {reinterpret_cast<const char*>(data), size});
  // A file the seed flows name as an input and a path param.
  flowrun::fuzz::write_file(dir, "notes.txt", "a note\n");
  flowrun::FlowOptions opt;
  opt.builtin_vars = {{"site.cell_library", "/nonexistent/cells.lib"}, {"flowrun.share", "/nonexistent"}};
  std::vector<flowrun::Diagnostic> diags;
  flowrun::flow_plugin_paths(file, diags, opt);
  if (!diags.empty()) {
    for (const auto& d : diags) flowrun::fuzz::expect_clear_error(d.str(), file.string());
    return 0;
  }
  const auto flow = flowrun::load_flow(file, registry(), opt, diags);
  for (const auto& d : diags) flowrun::fuzz::expect_clear_error(d.str(), file.string());
  if (diags.empty()) flowrun::flow_to_dot(flow);
  return 0;
}
