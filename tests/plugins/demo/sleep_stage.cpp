// demo.sleep: waits, reporting progress and honouring cancellation, so
// engine tests can check parallel execution, progress and Ctrl-C.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

#include <chrono>
#include <thread>

namespace flowrun::demo {
namespace {

class SleepStage : public Stage {
 public:
  SleepStage() {
    spec_.kind = "demo.sleep";
    spec_.version = "2";
    spec_.summary = "Sleep for `seconds`, in steps of 10 ms";
    spec_.inputs = {{.name = "any", .type = "any", .doc = "anything; only waited for",
                     .optional = true, .many = true}};
    spec_.outputs = {{.name = "text", .type = "text", .doc = "the seconds slept",
                      .file = "text.txt"}};
    spec_.params = {{.name = "seconds", .type = ParamType::Float, .doc = "how long",
                     .default_value = 0.1, .min = 0.0, .max = 3600.0},
                    {.name = "ignore_cancel", .type = ParamType::Bool,
                     .doc = "keep sleeping after Ctrl-C, as a stage stuck in a long call would",
                     .default_value = false}};
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    using clock = std::chrono::steady_clock;
    const double seconds = ctx.param<double>("seconds");
    const bool ignore_cancel = ctx.param<bool>("ignore_cancel");
    const auto start = clock::now();
    for (;;) {
      const double done = std::chrono::duration<double>(clock::now() - start).count();
      if (done >= seconds) break;
      if (ctx.cancelled() && !ignore_cancel) throw StageError("demo.sleep: cancelled");
      ctx.progress(done / seconds, "slept " + std::to_string(done) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    write_text(ctx.output("text"), std::to_string(seconds) + "\n");
    ctx.metric("seconds_slept",
               std::chrono::duration<double>(clock::now() - start).count());
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::SleepStage)
