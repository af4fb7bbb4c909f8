// Commands on a flow file: run, validate, graph, and run-stage (one stage
// of a run directory, launched by the isolate and cluster executors).
#include "commands.hpp"

#include "cache.hpp"
#include "engine.hpp"
#include "executor.hpp"
#include "install_paths.hpp"
#include "interrupt.hpp"
#include "parent_watch.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "report_html.hpp"
#include "run_archive.hpp"
#include "run_lock.hpp"
#include "slurm_executor.hpp"
#include "stage_exec.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <thread>

namespace flowrun {

namespace {

std::atomic<bool> g_cancel{false};
std::string safe_name(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  return out.empty() || out == "." || out == ".." ? "flow" : out;
}

// The flow file and the session every flow command starts from.
struct FlowCommand {
  std::string flow_file;
  Session session;
  explicit FlowCommand(const Invocation& inv) : flow_file(inv.args.at(0)), session(inv.session()) {}
  bool open() { return session.open() && session.load_flow(flow_file); }
};

ExecutorEnv executor_env(const Session& s, const Invocation& inv, const std::string& flow_file) {
  ExecutorEnv env;
  env.site = &s.site();
  env.cancel = &g_cancel;
  env.stage_command = {program_path().string(), "run-stage", fs::absolute(flow_file).string()};
  if (!s.site().file.empty())
    env.stage_command.insert(env.stage_command.end(), {"--site", fs::absolute(s.site().file).string()});
  for (const auto& p : s.options().plugin_paths)
    env.stage_command.insert(env.stage_command.end(), {"--plugin-path", fs::absolute(p).string()});
  for (const auto& o : inv.list("set")) env.stage_command.insert(env.stage_command.end(), {"--set", o});
  return env;
}

}  // namespace

int cmd_run(const Invocation& inv) {
  const auto jobs = inv.integer("jobs");
  if (jobs && *jobs < 1) {
    std::cerr << "flowrun run: -j must be at least 1\n";
    return 2;
  }
  FlowCommand fc(inv);
  Session& s = fc.session;
  if (!fc.open()) return print_errors(s);
  const Flow& flow = s.flow();
  std::string executor_name = inv.flag("isolate") ? "isolate" : inv.text("executor");
  if (executor_name.empty()) executor_name = s.site().executor;
  const ExecutorEnv env = executor_env(s, inv, fc.flow_file);
  auto executor = make_executor(executor_name, env);
  if (!executor) {
    std::cerr << "flowrun: unknown executor '" << executor_name << "' (known:";
    for (const auto& n : executor_names()) std::cerr << " " << n;
    std::cerr << ")\n";
    return 2;
  }
  RunOptions opts;
  const std::string run_dir = inv.text("run-dir");
  opts.run_dir = fs::absolute(run_dir.empty() ? default_run_root(s.site(), executor_name) / safe_name(flow.name) : fs::path(run_dir));
  opts.jobs = static_cast<int>(jobs.value_or(std::max(1u, std::thread::hardware_concurrency())));
  const std::string cache_dir = inv.text("cache-dir");
  // One run per run directory (a second one gets exit 2 and touches nothing).
  auto lock = acquire_run_dir_lock(opts.run_dir, "flowrun run " + fc.flow_file, std::cout, std::cerr);
  if (!lock) return 2;
  // The run about to be replaced stays listable and comparable (.history).
  keep_previous_run(opts.run_dir, std::cerr);
  std::uint64_t cache_limit = 0;
  try {
    cache_limit = cache_max_bytes(s.site());
  } catch (const std::invalid_argument& e) {
    std::cerr << "flowrun: " << e.what() << "\n";
    return 2;
  }
  Cache cache(cache_dir.empty() ? s.site().cache_dir : fs::absolute(cache_dir), !inv.flag("no-cache"),
              cache_limit);

  watch_interrupts(g_cancel);  // SIGINT and SIGTERM
  std::cout << "flow " << flow.name << ": " << flow.stages.size() << " stages, run dir "
            << opts.run_dir.string() << ", executor " << executor->name() << ", -j " << opts.jobs
            << "\n";
  ProgressBoard board(std::cout, ::isatty(STDOUT_FILENO) != 0);
  RunSummary summary;
  try {
    summary = run_flow(flow, opts, cache, *executor, board, g_cancel);
  } catch (const std::exception& e) {
    board.close();
    std::cerr << "flowrun: " << e.what() << "\n";
    return 1;
  }
  board.close();
  const json report = make_report(flow, summary);
  write_report(opts.run_dir, report);
  const bool page = write_report_html_after_run(opts.run_dir, report, std::cerr);
  std::cout << "\n";
  print_summary_table(std::cout, flow, summary);
  std::cout << "report: " << (opts.run_dir / "report.json").string() << "\n";
  if (page) std::cout << "page: " << (opts.run_dir / "report.html").string() << "\n";
  return run_exit_code(summary.ok);  // 130/143 when interrupted
}

int cmd_validate(const Invocation& inv) {
  FlowCommand fc(inv);
  if (!fc.open()) return print_errors(fc.session);
  std::cout << fc.flow_file << ": ok (" << fc.session.flow().stages.size() << " stages)\n";
  return 0;
}

int cmd_graph(const Invocation& inv) {
  FlowCommand fc(inv);
  if (!fc.open()) return print_errors(fc.session);
  std::cout << flow_to_dot(fc.session.flow());
  return 0;
}

// One stage of a run directory, in this process: what `isolate` and
// cluster executors launch. Upstream outputs come from their manifests.
int cmd_run_stage(const Invocation& inv) {
  FlowCommand fc(inv);
  Session& s = fc.session;
  if (!fc.open()) return print_errors(s);
  const StageInstance* inst = s.flow().find(inv.text("stage"));
  if (!inst || inv.text("run-dir").empty()) {
    std::cerr << "flowrun run-stage: needs --run-dir and --stage naming a stage of the flow\n";
    return 2;
  }
  const fs::path run_dir = fs::absolute(inv.text("run-dir"));
  watch_interrupts(g_cancel);  // SIGINT and SIGTERM
  end_with_parent();  // a flowrun killed with SIGKILL leaves no stage running
  StageJob job;
  try {
    job = build_job(s.flow(), *inst, run_dir, [&](const std::string& up) {
      const StageInstance* src = s.flow().find(up);
      json m = read_manifest(run_dir / src->dir);
      if (!m.is_object() || m.value("status", "") != "ok")
        throw StageError("upstream stage '" + up + "' has no finished result in " + run_dir.string());
      return m["outputs"];
    });
  } catch (const std::exception& e) {
    std::cerr << "flowrun run-stage: " << e.what() << "\n";
    return 1;
  }
  job.threads = static_cast<int>(inv.integer("threads").value_or(1));
  ProgressSink sink{[](double f, std::string_view st) {
    std::cout << "FLOWRUN_PROGRESS " << f << " " << st << std::endl;
  }};
  StageOutcome o = execute_stage(job, s.site(), sink, g_cancel);
  return o.status == StageStatus::Ok ? 0 : 1;
}

}  // namespace flowrun
