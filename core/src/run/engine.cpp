#include "engine.hpp"

#include "hashing.hpp"

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

namespace flowrun {

std::vector<std::string> dependencies(const StageInstance& inst) {
  std::vector<std::string> deps;
  auto add = [&](const std::string& s) {
    if (!s.empty() && std::find(deps.begin(), deps.end(), s) == deps.end()) deps.push_back(s);
  };
  for (const auto& [port, refs] : inst.inputs)
    for (const auto& r : refs) add(r.stage);
  for (const auto& a : inst.after) add(a);
  return deps;
}

StageJob build_job(const Flow& flow, const StageInstance& inst, const fs::path& run_dir,
                   const std::function<json(const std::string&)>& outputs_of) {
  StageJob job;
  job.instance = &inst;
  job.run_dir = run_dir;
  for (const auto& [port, refs] : inst.inputs) {
    auto& list = job.inputs[port];
    for (const auto& r : refs) {
      ArtifactRef a;
      if (r.stage.empty()) {
        a.path = r.file;
        a.sha256 = sha256_path(r.file);
      } else {
        const json outputs = outputs_of(r.stage);
        const json& o = outputs.at(r.port);
        a.source = r.stage;
        a.path = run_dir / o.at("path").get<std::string>();
        a.sha256 = o.at("sha256").get<std::string>();
        if (const StageInstance* src = flow.find(r.stage)) a.source_params = src->params;
      }
      list.push_back(std::move(a));
    }
  }
  Cache::compute_key(job);
  return job;
}

namespace {

std::string make_run_id() {
  std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&now));
  return std::string(buf) + "-" + std::to_string(::getpid());
}

}  // namespace

RunSummary run_flow(const Flow& flow, const RunOptions& options, const Cache& cache,
                    Executor& executor, ProgressBoard& board, const std::atomic<bool>& cancel) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  RunSummary summary;
  summary.run_id = make_run_id();
  fs::create_directories(options.run_dir);

  // A pool of `jobs` workers. Each takes the next ready stage itself, so a
  // chain of stages runs without handing work between threads.
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, StageStatus> state;
  for (const auto& s : flow.stages) {
    state[s.name] = StageStatus::Pending;
    summary.stages[s.name].instance = &s;
  }
  std::map<std::string, std::vector<std::string>> deps;
  for (const auto& s : flow.stages) deps[s.name] = dependencies(s);
  const int jobs = std::max(1, options.jobs);
  int running = 0;

  // Under the lock: skips what can no longer run and returns the first
  // ready stage (declaration order), or null. `left` says whether any stage
  // is still pending.
  auto next_ready = [&](bool& left) -> const StageInstance* {
    left = false;
    for (const auto& inst : flow.stages) {
      if (state[inst.name] != StageStatus::Pending) continue;
      bool ready = true, blocked = false;
      for (const auto& d : deps[inst.name]) {
        StageStatus s = state[d];
        if (s == StageStatus::Failed || s == StageStatus::Skipped) blocked = true;
        else if (s != StageStatus::Ok && s != StageStatus::Cached) ready = false;
      }
      if (blocked || (ready && cancel.load())) {
        state[inst.name] = StageStatus::Skipped;
        summary.stages[inst.name].outcome.status = StageStatus::Skipped;
        board.finished(inst.name, StageStatus::Skipped, 0,
                       blocked ? "an upstream stage failed" : "cancelled");
        changed.notify_all();  // its dependents can be skipped too
        continue;
      }
      left = true;
      if (ready) return &inst;
    }
    return nullptr;
  };

  auto execute = [&](const StageInstance& in, const std::map<std::string, json>& upstream) {
    StageOutcome outcome;
    try {
      StageJob job = build_job(flow, in, options.run_dir,
                               [&](const std::string& s) { return upstream.at(s); });
      job.threads = jobs;
      if (auto hit = cache.lookup(job)) {
        outcome = *hit;
      } else {
        board.started(in.name);
        ProgressSink sink{[&](double f, std::string_view st) { board.progress(in.name, f, st); }};
        outcome = executor.run(job, sink);
        if (outcome.status == StageStatus::Ok) cache.store(job, outcome);
      }
    } catch (const std::exception& e) {
      outcome.status = StageStatus::Failed;
      outcome.error = e.what();
    }
    std::string note;
    if (outcome.status == StageStatus::Failed)
      note = outcome.error + " (log: " + (fs::path(in.dir) / "log.txt").string() + ")";
    board.finished(in.name, outcome.status, outcome.seconds, note);
    return outcome;
  };

  auto worker = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      bool left = false;
      const StageInstance* inst = next_ready(left);
      if (!inst) {
        if (!left && running == 0) {
          changed.notify_all();
          return;
        }
        if (!left) return;  // the others finish what is running
        changed.wait(lock);
        continue;
      }
      state[inst->name] = StageStatus::Running;
      ++running;
      std::map<std::string, json> upstream;
      for (const auto& d : deps[inst->name]) upstream[d] = summary.stages[d].outcome.outputs;
      lock.unlock();
      const double started_s = std::chrono::duration<double>(clock::now() - start).count();
      StageOutcome outcome = execute(*inst, upstream);
      const double finished_s = std::chrono::duration<double>(clock::now() - start).count();
      lock.lock();
      state[inst->name] = outcome.status;
      summary.stages[inst->name].outcome = std::move(outcome);
      summary.stages[inst->name].started_s = started_s;
      summary.stages[inst->name].finished_s = finished_s;
      --running;
      changed.notify_all();
    }
  };

  std::vector<std::thread> workers;
  const int pool = std::min<int>(jobs, static_cast<int>(flow.stages.size()));
  for (int i = 1; i < pool; ++i) workers.emplace_back(worker);
  worker();
  for (auto& w : workers) w.join();

  for (const auto& [name, rec] : summary.stages)
    if (rec.outcome.status == StageStatus::Failed || rec.outcome.status == StageStatus::Skipped)
      summary.ok = false;
  summary.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return summary;
}

}  // namespace flowrun
