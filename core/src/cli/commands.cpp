#include "commands.hpp"

#include "cache.hpp"
#include "engine.hpp"
#include "executor.hpp"
#include "install_paths.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "spec_json.hpp"
#include "stage_exec.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <csignal>
#include <iostream>
#include <thread>

namespace flowrun {

namespace {

std::atomic<bool> g_cancel{false};
std::atomic<std::int64_t> g_first_interrupt_ns{0};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "used in a signal handler");

std::int64_t monotonic_ns() {  // clock_gettime is async-signal-safe
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The first SIGINT cancels the run; a second one ends flowrun at once. A
// signal sent to a whole process group (`kill -INT -PGID`, coreutils
// `timeout`) can reach flowrun twice within microseconds, so a repeat within
// half a second of the first counts as the same interrupt.
extern "C" void on_interrupt(int) {
  const std::int64_t now = monotonic_ns();
  std::int64_t first = 0;
  if (g_first_interrupt_ns.compare_exchange_strong(first, now)) {
    g_cancel.store(true);
    return;
  }
  if (now - first < 500'000'000) return;
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);  // delivered when the handler returns: flowrun ends by the signal
}

int print_errors(const Session& s) {
  for (const auto& e : s.errors()) std::cerr << e << "\n";
  return 2;
}

std::string safe_name(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  return out.empty() || out == "." || out == ".." ? "flow" : out;
}

int cmd_plugins(Session& s, const CommandLine& cl) {
  const bool ok = s.open();
  if (cl.json) {
    json list = json::array();
    for (const auto& p : s.registry().plugins())
      list.push_back({{"name", p.name}, {"file", p.file.string()}, {"flowrun_version", p.version},
                      {"load_seconds", p.load_seconds}, {"kinds", p.kinds}});
    json out = {{"plugins", list}, {"errors", s.errors()}};
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& p : s.registry().plugins()) {
      std::cout << p.name << "  " << p.file.string() << "\n";
      for (const auto& k : p.kinds)
        std::cout << "  " << k << "  " << s.registry().find(k)->spec().summary << "\n";
    }
  }
  return ok ? 0 : print_errors(s);
}

int cmd_describe(Session& s, const CommandLine& cl) {
  if (!s.open()) return print_errors(s);
  const Stage* st = s.registry().find(cl.target);
  if (!st) {
    std::cerr << "flowrun describe: unknown stage kind '" << cl.target
              << "' (flowrun plugins lists the known kinds)\n";
    return 2;
  }
  if (cl.json) std::cout << spec_to_json(st->spec()).dump(2) << "\n";
  else print_spec(std::cout, st->spec());
  return 0;
}

fs::path cache_dir_for(const Session& s, const CommandLine& cl) {
  return cl.cache_dir.empty() ? s.site().cache_dir : fs::absolute(cl.cache_dir);
}

ExecutorEnv executor_env(const Session& s, const CommandLine& cl) {
  ExecutorEnv env;
  env.site = &s.site();
  env.cancel = &g_cancel;
  env.stage_command = {program_path().string(), "run-stage", fs::absolute(cl.target).string()};
  if (!s.site().file.empty())
    env.stage_command.insert(env.stage_command.end(), {"--site", fs::absolute(s.site().file).string()});
  for (const auto& p : cl.session.plugin_paths)
    env.stage_command.insert(env.stage_command.end(), {"--plugin-path", fs::absolute(p).string()});
  for (const auto& o : cl.session.overrides)
    env.stage_command.insert(env.stage_command.end(), {"--set", o});
  return env;
}

int cmd_run(Session& s, const CommandLine& cl) {
  if (!s.open() || !s.load_flow(cl.target)) return print_errors(s);
  const Flow& flow = s.flow();
  const std::string executor_name = cl.executor.empty() ? s.site().executor : cl.executor;
  const ExecutorEnv env = executor_env(s, cl);
  auto executor = make_executor(executor_name, env);
  if (!executor) {
    std::cerr << "flowrun: unknown executor '" << executor_name << "' (known:";
    for (const auto& n : executor_names()) std::cerr << " " << n;
    std::cerr << ")\n";
    return 2;
  }
  RunOptions opts;
  opts.run_dir = fs::absolute(cl.run_dir.empty() ? fs::path("runs") / safe_name(flow.name) : cl.run_dir);
  opts.jobs = cl.jobs.value_or(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  Cache cache(cache_dir_for(s, cl), !cl.no_cache);

  std::signal(SIGINT, on_interrupt);
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
  write_report(opts.run_dir, make_report(flow, summary));
  std::cout << "\n";
  print_summary_table(std::cout, flow, summary);
  std::cout << "report: " << (opts.run_dir / "report.json").string() << "\n";
  return summary.ok ? 0 : 1;
}

// One stage of a run directory, in this process: what `isolate` and
// cluster executors launch. Upstream outputs come from their manifests.
int cmd_run_stage(Session& s, const CommandLine& cl) {
  if (!s.open() || !s.load_flow(cl.target)) return print_errors(s);
  const StageInstance* inst = s.flow().find(cl.stage);
  if (!inst || cl.run_dir.empty()) {
    std::cerr << "flowrun run-stage: needs --run-dir and --stage naming a stage of the flow\n";
    return 2;
  }
  const fs::path run_dir = fs::absolute(cl.run_dir);
  std::signal(SIGINT, on_interrupt);
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
  job.threads = cl.threads.value_or(1);
  ProgressSink sink{[](double f, std::string_view st) {
    std::cout << "FLOWRUN_PROGRESS " << f << " " << st << std::endl;
  }};
  StageOutcome o = execute_stage(job, s.site(), sink, g_cancel);
  return o.status == StageStatus::Ok ? 0 : 1;
}

}  // namespace

int run_command(const CommandLine& cl) {
  Session s(cl.session);
  if (cl.command == "plugins") return cmd_plugins(s, cl);
  if (cl.command == "describe") return cmd_describe(s, cl);
  if (cl.command == "run") return cmd_run(s, cl);
  if (cl.command == "run-stage") return cmd_run_stage(s, cl);
  if (!s.open() || !s.load_flow(cl.target)) return print_errors(s);
  if (cl.command == "validate") {
    std::cout << cl.target << ": ok (" << s.flow().stages.size() << " stages)\n";
    return 0;
  }
  if (cl.command == "graph") {
    std::cout << flow_to_dot(s.flow());
    return 0;
  }
  return 2;
}

}  // namespace flowrun
