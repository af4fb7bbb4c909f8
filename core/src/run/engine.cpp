#include "engine.hpp"

#include "hashing.hpp"
#include "resources.hpp"

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
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

// The outcome of a job whose executor failed without giving one (it threw,
// or returned from a batch without a word on this job): failed, with
// nothing of the stage's outputs trusted.
StageOutcome executor_failure(const StageJob& job, std::string error) {
  if (error.empty()) error = "the executor returned without an outcome for this stage";
  return failed_without_result(job, "executor error: " + error);
}

}  // namespace

RunSummary run_flow(const Flow& flow, const RunOptions& options, const Cache& cache,
                    Executor& executor, ProgressBoard& board, const std::atomic<bool>& cancel) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  RunSummary summary;
  summary.run_id = make_run_id();
  fs::create_directories(options.run_dir);

  // A pool of workers. Each takes the next ready stage itself, so a chain of
  // stages runs without handing work between threads. Locally the threads
  // of running stages never add up to more than `jobs` (cores or -j); a
  // cluster executor gets every ready stage at once and the cluster decides.
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
  const bool remote = executor.remote();
  ThreadBudget budget;
  budget.total = jobs;
  budget.mem_total_mb = physical_memory_mb();
  int running = 0;

  struct Grant {
    const StageInstance* inst;
    int threads;
  };
  // What a cluster job asks for: the declared count, 0 for a whole node,
  // -1 for the executor's default (a stage that declares nothing).
  auto remote_threads = [](const ThreadUse& t) {
    if (t.kind == ThreadUse::Kind::All) return 0;
    return t.count > 0 ? t.count : -1;
  };

  // Under the lock: skips what can no longer run and returns the stages to
  // start now with their threads (empty: wait). Ready stages start in
  // declaration order; one that has to wait for threads holds back the
  // ones after it, so a stage asking for many threads is not starved.
  // A cluster executor that batches gets every ready instance of the first
  // ready stage's sweep at once. `left` says whether any stage is pending.
  auto next_ready = [&](bool& left) -> std::vector<Grant> {
    left = false;
    std::vector<const StageInstance*> ready;
    for (const auto& inst : flow.stages) {
      if (state[inst.name] != StageStatus::Pending) continue;
      bool ok = true, blocked = false;
      for (const auto& d : deps[inst.name]) {
        StageStatus s = state[d];
        if (s == StageStatus::Failed || s == StageStatus::Skipped) blocked = true;
        else if (s != StageStatus::Ok && s != StageStatus::Cached) ok = false;
      }
      if (blocked || (ok && cancel.load())) {
        state[inst.name] = StageStatus::Skipped;
        summary.stages[inst.name].outcome.status = StageStatus::Skipped;
        board.finished(inst.name, StageStatus::Skipped, 0,
                       blocked ? "an upstream stage failed" : "cancelled");
        changed.notify_all();  // its dependents can be skipped too
        continue;
      }
      left = true;
      if (ok) ready.push_back(&inst);
    }
    std::vector<Grant> out;
    if (ready.empty()) return out;
    const StageInstance* first = ready.front();
    if (remote) {
      const int t = remote_threads(first->resources.spec.threads);
      out.push_back({first, t});
      if (executor.batches() && !first->matrix.empty())
        for (size_t i = 1; i < ready.size(); ++i)
          if (ready[i]->base_name == first->base_name) out.push_back({ready[i], t});
    } else {
      const int t = budget.grant(first->resources.spec, static_cast<int>(ready.size()), running == 0);
      if (t == 0) return out;
      budget.used += t;
      budget.mem_used_mb += first->resources.spec.mem_mb;
      out.push_back({first, t});
    }
    for (const auto& g : out) state[g.inst->name] = StageStatus::Running;
    running += static_cast<int>(out.size());
    return out;
  };

  // Builds the job and looks it up in the cache; null job when cached or
  // when the job could not be built (outcome says which).
  auto prepare = [&](const StageInstance& in, int threads,
                     const std::map<std::string, json>& upstream, StageOutcome& outcome) {
    std::optional<StageJob> job;
    try {
      job = build_job(flow, in, options.run_dir,
                      [&](const std::string& s) { return upstream.at(s); });
      job->threads = threads;
      if (auto hit = cache.lookup(*job)) {
        outcome = *hit;
        job.reset();
      }
    } catch (const std::exception& e) {
      job.reset();
      outcome.status = StageStatus::Failed;
      outcome.error = e.what();
    }
    return job;
  };

  auto note_of = [](const StageInstance& in, const StageOutcome& o) {
    if (o.status != StageStatus::Failed) return std::string();
    return o.error + " (log: " + (fs::path(in.dir) / "log.txt").string() + ")";
  };

  // Under the lock: records a finished stage and gives back its threads.
  auto finish = [&](const Grant& g, StageOutcome outcome, double started_s) {
    const StageInstance& in = *g.inst;
    board.finished(in.name, outcome.status, outcome.seconds, note_of(in, outcome));
    auto& rec = summary.stages[in.name];
    state[in.name] = outcome.status;
    rec.outcome = std::move(outcome);
    rec.started_s = started_s;
    rec.finished_s = std::chrono::duration<double>(clock::now() - start).count();
    if (!remote) {
      budget.used -= g.threads;
      budget.mem_used_mb -= in.resources.spec.mem_mb;
    }
    --running;
    changed.notify_all();
  };

  auto run_grants = [&](std::unique_lock<std::mutex>& lock, const std::vector<Grant>& grants) {
    std::vector<std::map<std::string, json>> upstream(grants.size());
    for (size_t i = 0; i < grants.size(); ++i)
      for (const auto& d : deps[grants[i].inst->name])
        upstream[i][d] = summary.stages[d].outcome.outputs;
    lock.unlock();
    const double started_s = std::chrono::duration<double>(clock::now() - start).count();
    std::vector<StageJob> to_run;
    std::vector<size_t> index;  // to_run[i] is grants[index[i]]
    for (size_t i = 0; i < grants.size(); ++i) {
      StageOutcome outcome;
      auto job = prepare(*grants[i].inst, grants[i].threads, upstream[i], outcome);
      if (job) {
        to_run.push_back(std::move(*job));
        index.push_back(i);
      } else {
        std::lock_guard guard(mutex);
        finish(grants[i], std::move(outcome), started_s);
      }
    }
    if (!to_run.empty()) {
      std::vector<ProgressSink> sinks;
      for (size_t k = 0; k < to_run.size(); ++k) {
        const std::string name = grants[index[k]].inst->name;
        board.started(name);
        sinks.push_back({[&board, name](double f, std::string_view st) { board.progress(name, f, st); }});
      }
      auto done = [&](size_t k, StageOutcome outcome) {
        if (outcome.status == StageStatus::Ok) {
          try {
            cache.store(to_run[k], outcome);
          } catch (const std::exception& e) {
            outcome.status = StageStatus::Failed;
            outcome.error = e.what();
          }
        }
        std::lock_guard guard(mutex);
        finish(grants[index[k]], std::move(outcome), started_s);
      };
      // Every job gets exactly one outcome, even when the executor throws
      // before (or instead of) returning one: a stage without an outcome
      // would leave an empty entry in report.json.
      std::vector<bool> reported(to_run.size(), false);
      auto report = [&](size_t k, StageOutcome o) {
        if (reported[k]) return;
        reported[k] = true;
        done(k, std::move(o));
      };
      std::string error;
      try {
        for (const auto& job : to_run) {
          // The stage's folder exists before any executor runs it, so an
          // executor can always leave its failure there, even for a job
          // that ended before the stage process started (a cluster job
          // cancelled in the queue).
          fs::create_directories(job.stage_dir());
        }
        if (to_run.size() == 1) report(0, executor.run(to_run[0], sinks[0]));
        else executor.run_batch(to_run, sinks, report);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "the executor threw something that is not a std::exception";
      }
      for (size_t k = 0; k < to_run.size(); ++k)
        if (!reported[k]) report(k, executor_failure(to_run[k], error));
    }
    lock.lock();
  };

  auto worker = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      bool left = false;
      const std::vector<Grant> grants = next_ready(left);
      if (grants.empty()) {
        if (!left && running == 0) {
          changed.notify_all();
          return;
        }
        if (!left) return;  // the others finish what is running
        changed.wait(lock);
        continue;
      }
      run_grants(lock, grants);
    }
  };

  std::vector<std::thread> workers;
  // Locally each running stage holds at least one of `jobs` threads; a
  // cluster executor may have every stage in flight (each worker mostly waits).
  const int wanted = remote ? 256 : jobs;
  const int pool = std::min<int>(wanted, static_cast<int>(flow.stages.size()));
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
