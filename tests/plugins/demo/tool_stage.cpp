// demo.tool: runs an external program through ctx.run_tool, so engine
// tests can check the tool runner (missing programs, exit codes, output).
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::demo {
namespace {

class ToolStage : public Stage {
 public:
  ToolStage() {
    spec_.kind = "demo.tool";
    spec_.version = "1";
    spec_.summary = "Run `program args...` and keep its standard output";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "the program's stdout",
                      .file = "stdout.txt"}};
    spec_.params = {
        {.name = "program", .type = ParamType::String, .doc = "program name or path",
         .default_value = "echo"},
        {.name = "args", .type = ParamType::StringList, .doc = "its arguments",
         .default_value = json::array({"hello"})},
        {.name = "timeout", .type = ParamType::Int, .doc = "seconds",
         .default_value = 60, .min = 1, .max = 3600},
        {.name = "package", .type = ParamType::String,
         .doc = "Debian package named when the program is missing",
         .default_value = "coreutils"},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    ToolCall call;
    call.program = ctx.param<std::string>("program");
    call.args = ctx.param<std::vector<std::string>>("args");
    call.timeout = std::chrono::seconds(ctx.param<std::int64_t>("timeout"));
    call.debian_package = ctx.param<std::string>("package");
    call.stdout_file = ctx.output("text");
    const ToolResult result = ctx.run_tool(call);
    ctx.metric("tool_seconds", result.seconds);
    if (result.timed_out)
      throw StageError(call.program + ": timed out after " +
                       std::to_string(call.timeout.count()) + " s");
    if (result.exit_code != 0)
      throw StageError(call.program + ": exited with code " +
                       std::to_string(result.exit_code));
    ctx.metric("exit_code", result.exit_code);
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::ToolStage)
