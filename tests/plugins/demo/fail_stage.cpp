// demo.fail: fails on purpose (or not), so engine tests can check failure
// reporting, skipped dependents and exit codes.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::demo {
namespace {

class FailStage : public Stage {
 public:
  FailStage() {
    spec_.kind = "demo.fail";
    spec_.version = "1";
    spec_.summary = "Throw a StageError with `message` when `fail` is true";
    spec_.doc = "Writes a half output first, which the engine must not keep.";
    spec_.inputs = {{.name = "any", .type = "any", .doc = "anything; only waited for",
                     .optional = true, .many = true}};
    spec_.outputs = {{.name = "text", .type = "text", .doc = "\"ok\" when not failing",
                      .file = "text.txt"}};
    spec_.params = {
        {.name = "fail", .type = ParamType::Bool, .doc = "whether to fail", .default_value = true},
        {.name = "message", .type = ParamType::String, .doc = "the error message",
         .default_value = "demo.fail failed on purpose"},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    write_text(ctx.output("text"), "partial");
    if (ctx.param<bool>("fail")) {
      ctx.warn("about to fail");
      throw StageError(ctx.param<std::string>("message"));
    }
    write_text(ctx.output("text"), "ok\n");
    ctx.metric("failed", false);
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::FailStage)
