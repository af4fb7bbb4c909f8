// demo.concat: gathers any number of artifacts through a `many` input, the
// way a results table gathers every instance of a sweep.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::demo {
namespace {

class ConcatStage : public Stage {
 public:
  ConcatStage() {
    spec_.kind = "demo.concat";
    spec_.version = "1";
    spec_.summary = "Concatenate every connected text or report";
    spec_.doc =
        "Writes the parts in input order, each after a header line\n"
        "`== SOURCE` naming the producing stage instance (or the file),\n"
        "and a JSON index of the sources with their params.";
    spec_.inputs = {{.name = "parts", .type = "text|report", .doc = "the parts",
                     .many = true}};
    spec_.outputs = {
        {.name = "text", .type = "text", .doc = "all parts", .file = "all.txt"},
        {.name = "index", .type = "report", .doc = "sources and their params",
         .file = "index.json"},
    };
    spec_.params = {{.name = "header", .type = ParamType::Bool,
                     .doc = "write a header line before each part", .default_value = true}};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const bool header = ctx.param<bool>("header");
    const auto files = ctx.inputs("parts");
    const auto sources = ctx.input_sources("parts");
    const auto params = ctx.input_source_params("parts");
    std::string out;
    json index = json::array();
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string source = i < sources.size() ? sources[i] : files[i].string();
      if (header) out += "== " + source + "\n";
      out += read_text(files[i]);
      index.push_back({{"source", source},
                       {"file", files[i].filename().string()},
                       {"params", i < params.size() ? params[i] : json(nullptr)}});
    }
    write_text(ctx.output("text"), out);
    write_text(ctx.output("index"), index.dump(2) + "\n");
    ctx.metric("parts", files.size());
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::ConcatStage)
