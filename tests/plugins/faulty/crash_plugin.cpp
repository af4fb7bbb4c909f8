// crash.segv and crash.abort end the process they run in; under
// --isolate only their own stage may fail.
#include <flowrun/sdk.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>

namespace {

class CrashStage : public flowrun::Stage {
 public:
  explicit CrashStage(const char* kind, int sig) : sig_(sig) {
    spec_.kind = kind;
    spec_.version = "1";
    spec_.summary = "Writes half an output, then dies by a signal";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "never finished", .file = "text.txt"}};
  }
  const flowrun::StageSpec& spec() const override { return spec_; }
  void run(flowrun::Context& ctx) const override {
    std::ofstream(ctx.output("text")) << "partial";
    ctx.info("about to crash");
    if (sig_ == SIGSEGV) std::raise(SIGSEGV);
    std::abort();
  }

 private:
  flowrun::StageSpec spec_;
  int sig_;
};

struct SegvStage : CrashStage {
  SegvStage() : CrashStage("crash.segv", SIGSEGV) {}
};
struct AbortStage : CrashStage {
  AbortStage() : CrashStage("crash.abort", SIGABRT) {}
};

}  // namespace

FLOWRUN_REGISTER_STAGE(SegvStage)
FLOWRUN_REGISTER_STAGE(AbortStage)
FLOWRUN_PLUGIN("crash")
