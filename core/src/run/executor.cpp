#include "executor.hpp"

#include "slurm_executor.hpp"
#include "stage_deadline.hpp"
#include "tool_runner.hpp"

#include <csignal>
#include <cstring>

namespace flowrun {

namespace {

class LocalExecutor final : public Executor {
 public:
  explicit LocalExecutor(const ExecutorEnv& env) : env_(env) {}
  std::string name() const override { return "local"; }
  StageOutcome run(const StageJob& job, const ProgressSink& sink) override {
    return execute_stage(job, *env_.site, sink, *env_.cancel, job.instance->resources.time_s);
  }

 private:
  ExecutorEnv env_;
};

class IsolatedExecutor final : public Executor {
 public:
  explicit IsolatedExecutor(const ExecutorEnv& env) : env_(env) {}
  std::string name() const override { return "isolate"; }

  StageOutcome run(const StageJob& job, const ProgressSink& sink) override {
    const auto argv = stage_command_for(env_, job);
    ToolCall call;
    call.program = argv.front();
    call.args.assign(argv.begin() + 1, argv.end());
    call.cwd = job.run_dir;
    // Stages bound their own tools; the stage's time limit bounds the
    // stage process, which takes its tools along when it is killed.
    const std::int64_t limit_s = job.instance->resources.time_s;
    call.timeout = std::chrono::seconds(limit_s);
    std::string pending;
    auto on_output = [&](std::string_view chunk) {
      pending.append(chunk);
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        double fraction;
        std::string status;
        if (parse_progress_line(std::string_view(pending).substr(0, nl), fraction, status) &&
            sink.progress)
          sink.progress(fraction, status);
        pending.erase(0, nl + 1);
      }
    };
    ToolResult r;
    try {
      r = run_program(argv.front(), call, on_output, env_.cancel);
    } catch (const std::exception& e) {
      return fail(job, std::string("cannot start the stage process: ") + e.what());
    }
    if (r.timed_out) return fail(job, time_limit_message(limit_s), r.seconds);
    json m = read_manifest(job.stage_dir());
    if (r.exit_code >= 0 && m.is_object() && m.value("cache_key", "") == job.cache_key)
      return outcome_from_manifest(m);
    if (r.signal != 0)
      return fail(job, "the stage process was killed by signal " + std::to_string(r.signal) + " (" +
                           strsignal(r.signal) + ")");
    return fail(job, "the stage process exited with code " + std::to_string(r.exit_code) +
                         " without a manifest: " + r.output.substr(0, 2000));
  }

 private:
  // The child could not report for itself: the parent cleans up and says why.
  static StageOutcome fail(const StageJob& job, const std::string& error, double seconds = 0) {
    return failed_without_result(job, error, seconds);
  }
  ExecutorEnv env_;
};

}  // namespace

std::vector<std::string> executor_names() { return {"local", "isolate", "slurm"}; }

std::unique_ptr<Executor> make_executor(const std::string& name, const ExecutorEnv& env) {
  if (name == "local") return std::make_unique<LocalExecutor>(env);
  if (name == "isolate") return std::make_unique<IsolatedExecutor>(env);
  if (name == "slurm") return make_slurm_executor(env);
  return nullptr;
}

std::vector<std::string> stage_command_for(const ExecutorEnv& env, const StageJob& job) {
  std::vector<std::string> argv = env.stage_command;
  argv.insert(argv.end(), {"--run-dir", job.run_dir.string(), "--stage", job.instance->name,
                           "--threads", std::to_string(job.threads)});
  return argv;
}

StageOutcome failed_without_result(const StageJob& job, const std::string& error, double seconds) {
  StageOutcome o;
  o.status = StageStatus::Failed;
  o.error = error;
  o.seconds = seconds;
  try {
    discard_outputs(job.stage_dir());
    write_manifest(job, o);
  } catch (const std::exception&) {
    // The report still says why; without an "ok" manifest nothing is trusted.
  }
  return o;
}

bool parse_progress_line(std::string_view line, double& fraction, std::string& status) {
  constexpr std::string_view tag = "FLOWRUN_PROGRESS ";
  if (line.substr(0, tag.size()) != tag) return false;
  std::string rest(line.substr(tag.size()));
  char* end = nullptr;
  fraction = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return false;
  status = std::string(end);
  if (!status.empty() && status.front() == ' ') status.erase(0, 1);
  return true;
}

}  // namespace flowrun
