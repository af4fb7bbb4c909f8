// demo.threads: records the threads the scheduler gave it (ctx.threads())
// and keeps them busy for `seconds`, so tests can check that running stages
// never hold more threads than the machine (or -j) has.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

#include <chrono>
#include <thread>

namespace flowrun::demo {
namespace {

class ThreadsStage : public Stage {
 public:
  ThreadsStage() {
    spec_.kind = "demo.threads";
    spec_.version = "1";
    spec_.summary = "Hold ctx.threads() threads for `seconds`; metric `threads`";
    spec_.inputs = {{.name = "any", .type = "any", .doc = "anything; only waited for",
                     .optional = true, .many = true}};
    spec_.outputs = {{.name = "text", .type = "text", .doc = "the thread count",
                      .file = "text.txt"}};
    spec_.params = {{.name = "seconds", .type = ParamType::Float, .doc = "how long",
                     .default_value = 0.2, .min = 0.0, .max = 3600.0},
                    {.name = "tag", .type = ParamType::Int, .doc = "only makes instances differ",
                     .default_value = 0}};
    // Up to four threads: shared out when several are ready at once.
    spec_.resources.threads = ThreadUse::up_to(4);
    spec_.resources.mem_mb = 16;
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const int n = ctx.threads();
    const double seconds = ctx.param<double>("seconds");
    std::vector<std::thread> pool;
    for (int i = 0; i < n; ++i)
      pool.emplace_back([&] {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end && !ctx.cancelled())
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
      });
    for (auto& t : pool) t.join();
    write_text(ctx.output("text"), "threads\n");
    ctx.metric("threads", n);
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::ThreadsStage)
