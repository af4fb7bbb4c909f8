// demo.source: writes a text file made from its params, the start of most
// test flows.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::demo {
namespace {

class SourceStage : public Stage {
 public:
  SourceStage() {
    spec_.kind = "demo.source";
    spec_.version = "1";
    spec_.summary = "Write `lines` lines of `text` to a text file";
    spec_.doc =
        "Each line is the text followed by its 1-based line number, so\n"
        "downstream stages can be checked exactly.";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "the lines", .file = "text.txt"}};
    spec_.params = {
        {.name = "text", .type = ParamType::String, .doc = "text of every line",
         .default_value = "hello"},
        {.name = "lines", .type = ParamType::Int, .doc = "number of lines",
         .default_value = 1, .min = 0, .max = 100000},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const auto text = ctx.param<std::string>("text");
    const auto lines = ctx.param<std::int64_t>("lines");
    std::string out;
    for (std::int64_t i = 1; i <= lines; ++i) out += text + " " + std::to_string(i) + "\n";
    write_text(ctx.output("text"), out);
    ctx.info("wrote " + std::to_string(lines) + " lines");
    ctx.metric("lines", lines);
    ctx.metric("bytes", out.size());
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::SourceStage)
