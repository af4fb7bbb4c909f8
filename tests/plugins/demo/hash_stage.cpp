// demo.hash: writes what Context says about content hashes (the engine's
// hash of its input, of a Path param and of one file inside the input), so
// engine tests can check them against the manifest, in process and under
// --isolate.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::demo {
namespace {

class HashStage : public Stage {
 public:
  HashStage() {
    spec_.kind = "demo.hash";
    spec_.version = "1";
    spec_.summary = "Write the SHA-256 of the input, of `data` and of input/`inner` as JSON";
    spec_.inputs = {{.name = "any", .type = "any", .doc = "a file or folder to hash"}};
    spec_.outputs = {{.name = "hashes", .type = "json", .doc = "the hashes", .file = "hashes.json"}};
    spec_.params = {
        {.name = "data", .type = ParamType::Path, .doc = "a file hashed through ctx.sha256",
         .default_value = ""},
        {.name = "inner", .type = ParamType::String,
         .doc = "a file inside a folder input, hashed through ctx.sha256", .default_value = ""},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    json out = {{"input", ctx.input_sha256("any")}};
    const auto data = ctx.param<std::string>("data");
    if (!data.empty()) out["data"] = ctx.sha256(data);
    const auto inner = ctx.param<std::string>("inner");
    if (!inner.empty()) out["inner"] = ctx.sha256(ctx.input("any") / inner);
    write_text(ctx.output("hashes"), out.dump(2) + "\n");
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::HashStage)
