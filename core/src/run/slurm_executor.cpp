#include "slurm_executor.hpp"

#include "tool_runner.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace flowrun {

namespace {

using clock_type = std::chrono::steady_clock;

const char kScript[] =
    "#!/bin/sh\n"
    "# flowrun stage job, written by flowrun (docs/cluster.md). It holds no flow\n"
    "# data: the stage names and the command come as arguments,\n"
    "#   COUNT STAGE_0 .. STAGE_{COUNT-1} PROGRAM ARGS...\n"
    "# and array task i (0 for a plain job) runs\n"
    "#   PROGRAM ARGS... --stage STAGE_i --threads <CPUs Slurm gave the job>.\n"
    "task=${SLURM_ARRAY_TASK_ID:-0}\n"
    "count=$1\n"
    "shift\n"
    "i=0\n"
    "stage=\n"
    "while [ \"$i\" -lt \"$count\" ]; do\n"
    "  if [ \"$i\" -eq \"$task\" ]; then stage=$1; fi\n"
    "  shift\n"
    "  i=$((i + 1))\n"
    "done\n"
    "exec \"$@\" --stage \"$stage\" --threads \"${SLURM_CPUS_ON_NODE:-1}\"\n";

// One stage instance on its way through Slurm.
struct Task {
  size_t index = 0;          // into the batch
  std::string job_id;        // "12" or "12_3"
  std::string array_id;      // "12" (what scancel and squeue -j take)
  fs::path out_file;         // the job's stdout and stderr
  std::uintmax_t out_read = 0;
  std::string partial_line;
  int attempts = 1;
  bool done = false;
  bool seen = false;         // squeue has listed it at least once
  std::string state, reason, node;
  clock_type::time_point submitted;
  clock_type::time_point missing_since{};
};

struct JobInfo {
  std::string state, reason, exit_code, node;
  // scontrol: the record stands for array tasks that never started (Slurm
  // keeps them in the array's own record, "12", until each one starts).
  bool unstarted_tasks = false;
  std::string array_task;  // scontrol's ArrayTaskId ("3", "1-7", ...)
};

class SlurmExecutor final : public Executor {
 public:
  explicit SlurmExecutor(const ExecutorEnv& env) : env_(env) {}
  std::string name() const override { return "slurm"; }
  bool remote() const override { return true; }
  bool batches() const override { return true; }

  StageOutcome run(const StageJob& job, const ProgressSink& sink) override {
    StageOutcome result;
    run_batch({job}, {sink}, [&](size_t, StageOutcome o) { result = std::move(o); });
    return result;
  }

  void run_batch(const std::vector<StageJob>& jobs, const std::vector<ProgressSink>& sinks,
                 const std::function<void(size_t, StageOutcome)>& done) override;

 private:
  ToolResult slurm(const std::string& program, const std::vector<std::string>& args) const;
  std::vector<std::string> sbatch_args(const StageJob& job, size_t count, const std::string& tag,
                                       const fs::path& slurm_dir) const;
  // Submits jobs[k] for every k in `which` as one job (one k) or one array.
  // Returns the tasks, or sets error.
  std::vector<Task> submit(const std::vector<StageJob>& jobs, const std::vector<size_t>& which,
                           std::string& error);
  std::map<std::string, JobInfo> poll(const std::set<std::string>& array_ids, bool& ok) const;
  JobInfo details(const std::string& job_id) const;
  void read_progress(Task& t, const ProgressSink& sink) const;
  StageOutcome finish(const StageJob& job, Task& t, const JobInfo& info, bool cancelled_by_us,
                      double seconds) const;
  // scancel for every task not done yet (best effort: never throws).
  void cancel_jobs(const std::vector<Task>& tasks) const;
  // Follows submitted tasks to their end; see run_batch.
  void follow(const std::vector<StageJob>& jobs, const std::vector<ProgressSink>& sinks,
              const std::function<void(size_t, StageOutcome)>& done, std::vector<Task>& tasks,
              clock_type::time_point start);
  fs::path slurm_dir(const StageJob& job) const { return job.run_dir / ".slurm"; }
  void write_script(const fs::path& dir) const;

  ExecutorEnv env_;
  mutable std::mutex mutex_;
  int next_tag_ = 0;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
  return s.substr(i);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::string relative_to(const fs::path& p, const fs::path& base) {
  return p.lexically_relative(base).generic_string();
}

}  // namespace

const char* slurm_batch_script() { return kScript; }

SlurmEnd classify_slurm_state(const std::string& state) {
  // squeue may add a suffix ("CANCELLED+", "CANCELLED by 0").
  const std::string s = state.substr(0, state.find_first_of(" +"));
  if (s == "COMPLETED") return {true, false, ""};
  if (s == "FAILED") return {true, false, "failed"};
  if (s == "TIMEOUT") return {true, false, "exceeded its time limit"};
  if (s == "OUT_OF_MEMORY") return {true, false, "ran out of memory"};
  if (s == "NODE_FAIL") return {true, true, "lost its node (node failure)"};
  if (s == "BOOT_FAIL") return {true, true, "could not start: its node failed to boot"};
  if (s == "CANCELLED") return {true, false, "was cancelled"};
  if (s == "PREEMPTED") return {true, false, "was preempted"};
  if (s == "DEADLINE") return {true, false, "missed its deadline"};
  if (s == "REVOKED" || s == "SPECIAL_EXIT") return {true, false, "ended by Slurm (" + s + ")"};
  return {false, false, ""};  // PENDING, RUNNING, COMPLETING, REQUEUED, SUSPENDED, ...
}

ToolResult SlurmExecutor::slurm(const std::string& program,
                                const std::vector<std::string>& args) const {
  ToolCall call;
  call.program = program;
  call.args = args;
  call.timeout = std::chrono::seconds(120);
  call.debian_package = "slurm-client";
  const fs::path exe = resolve_program(program, env_.site->tools);
  if (exe.empty()) throw std::runtime_error(missing_program_message(call));
  call.cwd = fs::current_path();
  // No cancel flag: scancel and squeue must still run after Ctrl-C.
  return run_program(exe, call, nullptr, nullptr);
}

void SlurmExecutor::write_script(const fs::path& dir) const {
  // Workers submit ready stages at the same time; one writes the script,
  // the others find it written (one temporary file name per process).
  std::lock_guard lock(mutex_);
  fs::create_directories(dir);
  const fs::path file = dir / "flowrun-stage.sh";
  std::ifstream in(file);
  std::stringstream have;
  have << in.rdbuf();
  if (in && have.str() == kScript) return;
  write_file_atomic(file, kScript);
  fs::permissions(file, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
}

std::vector<std::string> SlurmExecutor::sbatch_args(const StageJob& job, size_t count,
                                                    const std::string& tag,
                                                    const fs::path& dir) const {
  const SlurmSite& site = env_.site->slurm;
  const StageResources& res = job.instance->resources;
  std::vector<std::string> a = {"--parsable",
                                "--job-name=flowrun." + job.instance->base_name,
                                "--chdir=" + job.run_dir.string(),
                                "--nodes=1",
                                "--ntasks=1",
                                // flowrun resubmits after node failures itself, counted.
                                "--no-requeue",
                                "--export=ALL"};
  a.push_back("--output=" + (dir / (tag + (count > 1 ? "-%a.out" : ".out"))).string());
  if (job.threads == 0) a.push_back("--exclusive");
  else a.push_back("--cpus-per-task=" + std::to_string(job.threads > 0 ? job.threads : site.default_threads));
  const std::int64_t mem = res.spec.mem_mb > 0 ? res.spec.mem_mb : site.default_mem_mb;
  if (mem > 0) a.push_back("--mem=" + std::to_string(mem) + "M");
  const std::int64_t time_s = res.time_s > 0 ? res.time_s : site.default_time_s;
  // Slurm counts time limits in whole minutes.
  if (time_s > 0) a.push_back("--time=" + std::to_string((time_s + 59) / 60));
  if (!site.partition.empty()) a.push_back("--partition=" + site.partition);
  if (!site.account.empty()) a.push_back("--account=" + site.account);
  if (!site.qos.empty()) a.push_back("--qos=" + site.qos);
  a.insert(a.end(), site.sbatch_options.begin(), site.sbatch_options.end());
  if (count > 1) a.push_back("--array=0-" + std::to_string(count - 1));
  return a;
}

std::vector<Task> SlurmExecutor::submit(const std::vector<StageJob>& jobs,
                                        const std::vector<size_t>& which, std::string& error) {
  const StageJob& first = jobs[which.front()];
  const fs::path dir = slurm_dir(first);
  write_script(dir);
  std::string tag;
  {
    std::lock_guard lock(mutex_);
    tag = first.instance->base_name + "." + std::to_string(++next_tag_);
  }
  std::vector<std::string> args = sbatch_args(first, which.size(), tag, dir);
  args.push_back((dir / "flowrun-stage.sh").string());
  args.push_back(std::to_string(which.size()));
  for (size_t k : which) args.push_back(jobs[k].instance->name);
  args.insert(args.end(), env_.stage_command.begin(), env_.stage_command.end());
  args.insert(args.end(), {"--run-dir", first.run_dir.string()});

  for (size_t k : which) {
    // A manifest left from before must not pass for this job's result.
    discard_outputs(jobs[k].stage_dir());
    std::error_code ec;
    fs::remove(jobs[k].stage_dir() / "manifest.json", ec);
  }
  ToolResult r;
  try {
    r = slurm("sbatch", args);
  } catch (const std::exception& e) {
    error = e.what();
    return {};
  }
  // --parsable prints "JOBID" or "JOBID;CLUSTER".
  const std::string out = trim(r.output);
  std::string id = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  id = id.substr(0, id.find(';'));
  if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    error = "sbatch failed (exit code " + std::to_string(r.exit_code) + "): " + out.substr(0, 2000);
    return {};
  }
  std::vector<Task> tasks;
  for (size_t i = 0; i < which.size(); ++i) {
    Task t;
    t.index = which[i];
    t.array_id = id;
    t.job_id = which.size() > 1 ? id + "_" + std::to_string(i) : id;
    t.out_file = dir / (tag + (which.size() > 1 ? "-" + std::to_string(i) + ".out" : ".out"));
    t.submitted = clock_type::now();
    tasks.push_back(std::move(t));
  }
  return tasks;
}

std::map<std::string, JobInfo> SlurmExecutor::poll(const std::set<std::string>& ids,
                                                   bool& ok) const {
  std::map<std::string, JobInfo> out;
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  ToolResult r;
  try {
    r = slurm("squeue", {"--noheader", "--array", "--states=all", "--jobs=" + list,
                         "--format=%i|%T|%r|%N"});
  } catch (const std::exception&) {
    ok = false;
    return out;
  }
  // squeue fails for ids it no longer knows when *all* are gone; then every
  // job is "missing" and is looked up in detail.
  ok = r.exit_code == 0;
  for (const auto& line : split(r.output, '\n')) {
    auto f = split(trim(line), '|');
    if (f.size() < 3) continue;
    JobInfo info{f[1], f[2], "", f.size() > 3 ? f[3] : ""};
    out[f[0]] = info;
  }
  return out;
}

// The final word on one job: scontrol while slurmctld still remembers it,
// then sacct (accounting), else nothing.
JobInfo SlurmExecutor::details(const std::string& job_id) const {
  JobInfo info;
  try {
    ToolResult r = slurm("scontrol", {"--oneliner", "show", "job", job_id});
    if (r.exit_code == 0) {
      std::istringstream in(r.output);
      std::string word;
      while (in >> word) {
        auto eq = word.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
        if (key == "JobState") info.state = value;
        else if (key == "Reason") info.reason = value;
        else if (key == "ExitCode") info.exit_code = value;
        else if (key == "NodeList") info.node = value;
        else if (key == "ArrayTaskId") {
          info.array_task = value;
          info.unstarted_tasks = value.find_first_not_of("0123456789") != std::string::npos ||
                                 value == "4294967294";  // NO_VAL - 1: the remainder record
        }
      }
      if (!info.state.empty()) return info;
    }
    r = slurm("sacct", {"--noheader", "--parsable2", "--allocations", "--jobs=" + job_id,
                        "--format=State,ExitCode,NodeList,Reason"});
    if (r.exit_code == 0) {
      for (const auto& line : split(r.output, '\n')) {
        auto f = split(trim(line), '|');
        if (f.size() < 3 || f[0].empty()) continue;
        info.state = f[0];
        info.exit_code = f[1];
        info.node = f[2];
        if (f.size() > 3) info.reason = f[3];
        return info;
      }
    }
  } catch (const std::exception&) {
  }
  return info;
}

void SlurmExecutor::read_progress(Task& t, const ProgressSink& sink) const {
  std::ifstream in(t.out_file, std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(t.out_read));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  t.out_read += chunk.size();
  t.partial_line += chunk;
  size_t nl;
  double last_fraction = -1;
  std::string last_status;
  while ((nl = t.partial_line.find('\n')) != std::string::npos) {
    double f;
    std::string st;
    if (parse_progress_line(std::string_view(t.partial_line).substr(0, nl), f, st)) {
      last_fraction = f;
      last_status = st;
    }
    t.partial_line.erase(0, nl + 1);
  }
  if (last_fraction >= 0 && sink.progress) sink.progress(last_fraction, last_status);
}

StageOutcome SlurmExecutor::finish(const StageJob& job, Task& t, const JobInfo& info,
                                   bool cancelled_by_us, double seconds) const {
  const SlurmEnd end = classify_slurm_state(info.state);
  json record = {{"scheduler", "slurm"},
                 {"job_id", t.job_id},
                 {"state", info.state.empty() ? "UNKNOWN" : info.state},
                 {"output", relative_to(t.out_file, job.run_dir)},
                 {"attempts", t.attempts}};
  if (!info.reason.empty() && info.reason != "None") record["reason"] = info.reason;
  if (!info.exit_code.empty()) record["exit_code"] = info.exit_code;
  if (!info.node.empty() && info.node != "(null)") record["node"] = info.node;

  // Give a shared file system a moment to show what the job wrote.
  json m = read_manifest(job.stage_dir());
  const bool completed = info.state.rfind("COMPLETED", 0) == 0;
  for (int i = 0; completed && i < 20 && !(m.is_object() && m.value("cache_key", "") == job.cache_key); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    m = read_manifest(job.stage_dir());
  }
  const bool mine = m.is_object() && m.value("cache_key", "") == job.cache_key;
  StageOutcome o;
  if (mine && (completed || (info.state.rfind("FAILED", 0) == 0 && m.value("status", "") == "failed") ||
               (info.state.empty() && m.value("status", "") == "ok"))) {
    // The stage's own result: ok, or its own error.
    o = outcome_from_manifest(m);
    o.seconds = seconds;
    o.job = record;
    return o;
  }
  std::string why;
  const std::string id = "Slurm job " + t.job_id;
  if (info.state.empty() && cancelled_by_us) {
    why = id + " was cancelled (flowrun was interrupted); Slurm no longer knows it";
  } else if (info.state.empty()) {
    why = id + " left the queue without a result (squeue, scontrol and sacct no longer know it)";
  } else if (completed) {
    why = id + " completed but the stage left no result in " + job.stage_dir().string();
  } else if (info.state.rfind("CANCELLED", 0) == 0) {
    why = cancelled_by_us ? id + " was cancelled (flowrun was interrupted)"
                          : id + " was cancelled outside flowrun (scancel or an administrator)";
  } else if (info.state.rfind("TIMEOUT", 0) == 0) {
    why = id + " exceeded its time limit";
    if (job.instance->resources.time_s > 0)
      why += " of " + duration_to_string(job.instance->resources.time_s);
    why += " (raise `resources: {time: ...}` for this stage)";
  } else if (info.state.rfind("OUT_OF_MEMORY", 0) == 0) {
    why = id + " ran out of memory";
    if (job.instance->resources.spec.mem_mb > 0)
      why += " (asked for " + mem_to_string(job.instance->resources.spec.mem_mb) +
             "; raise `resources: {mem: ...}`)";
  } else if (info.state.rfind("FAILED", 0) == 0) {
    why = id + " failed";
    if (!info.exit_code.empty()) why += " with exit code " + info.exit_code;
  } else {
    why = id + " " + (end.what.empty() ? "ended in state " + info.state : end.what);
    if (end.retry) why += " after " + std::to_string(t.attempts) + " attempt(s)";
  }
  if (!info.state.empty()) {
    why += " [Slurm state " + info.state;
    if (!info.reason.empty() && info.reason != "None") why += ", reason " + info.reason;
    why += "]";
  }
  why += "; job output: " + relative_to(t.out_file, job.run_dir);
  discard_outputs(job.stage_dir());
  o.status = StageStatus::Failed;
  o.error = why;
  o.seconds = seconds;
  o.job = record;
  write_manifest(job, o);
  return o;
}

void SlurmExecutor::cancel_jobs(const std::vector<Task>& tasks) const {
  std::set<std::string> ids;
  for (const auto& t : tasks)
    if (!t.done) ids.insert(t.job_id);
  if (ids.empty()) return;
  std::vector<std::string> args = {"--quiet"};
  args.insert(args.end(), ids.begin(), ids.end());
  try {
    slurm("scancel", args);
  } catch (const std::exception&) {
  }
}

void SlurmExecutor::run_batch(const std::vector<StageJob>& jobs,
                              const std::vector<ProgressSink>& sinks,
                              const std::function<void(size_t, StageOutcome)>& done) {
  const auto start = clock_type::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
  if (env_.cancel && env_.cancel->load()) {
    for (size_t k = 0; k < jobs.size(); ++k)
      done(k, failed_without_result(jobs[k], "cancelled before it was submitted", elapsed()));
    return;
  }
  std::vector<size_t> all(jobs.size());
  for (size_t k = 0; k < jobs.size(); ++k) all[k] = k;
  std::string error;
  std::vector<Task> tasks = submit(jobs, all, error);
  if (tasks.empty()) {
    for (size_t k : all) done(k, failed_without_result(jobs[k], "cannot submit to Slurm: " + error, elapsed()));
    return;
  }
  for (const auto& t : tasks)
    if (sinks[t.index].progress) sinks[t.index].progress(0, "submitted: Slurm job " + t.job_id);
  try {
    follow(jobs, sinks, done, tasks, start);
  } catch (...) {
    // Nobody follows these jobs any more: they must not run on unseen.
    cancel_jobs(tasks);
    throw;
  }
}

// Polls the tasks until every one has ended and been reported through
// `done`: resubmits after node failures, scancels everything on Ctrl-C or
// SIGTERM and then waits (up to 60 s) until Slurm confirms each end.
void SlurmExecutor::follow(const std::vector<StageJob>& jobs, const std::vector<ProgressSink>& sinks,
                           const std::function<void(size_t, StageOutcome)>& done,
                           std::vector<Task>& tasks, clock_type::time_point start) {
  const SlurmSite& site = env_.site->slurm;
  auto elapsed = [&] { return std::chrono::duration<double>(clock_type::now() - start).count(); };
  bool cancelled = false;
  clock_type::time_point cancel_deadline{};
  const auto poll_every = std::chrono::duration<double>(site.poll_seconds);
  // Short jobs end within a second or two: ask after 0.25 s, then twice as
  // long each time, up to poll_seconds (squeue load stays bounded).
  auto poll_wait = std::min(poll_every, std::chrono::duration<double>(0.25));
  for (;;) {
    if (!cancelled && env_.cancel && env_.cancel->load()) {
      cancelled = true;
      cancel_deadline = clock_type::now() + std::chrono::seconds(60);
      cancel_jobs(tasks);
    }
    std::set<std::string> ids;
    for (const auto& t : tasks)
      if (!t.done) ids.insert(t.array_id);
    if (ids.empty()) break;
    bool ok = true;
    const auto states = poll(ids, ok);
    std::vector<Task> resubmitted;
    for (auto& t : tasks) {
      if (t.done) continue;
      read_progress(t, sinks[t.index]);
      JobInfo info;
      auto it = states.find(t.job_id);
      if (it == states.end() && t.job_id != t.array_id) {
        // Array tasks that never started live in the array's own record:
        // cancelled in the queue, squeue lists "12 CANCELLED", not "12_0".
        auto whole = states.find(t.array_id);
        if (whole != states.end() && classify_slurm_state(whole->second.state).terminal) it = whole;
      }
      if (it != states.end()) {
        info = it->second;
        t.seen = true;
        t.missing_since = {};
        if (info.state != t.state && sinks[t.index].progress) {
          if (info.state == "PENDING")
            sinks[t.index].progress(0, "queued: Slurm job " + t.job_id + " (" + info.reason + ")");
          else if (info.state == "RUNNING")
            sinks[t.index].progress(0, "running: Slurm job " + t.job_id + " on " + info.node);
        }
        t.state = info.state;
        if (!classify_slurm_state(info.state).terminal) continue;
        if (info.state.rfind("COMPLETED", 0) != 0) {
          // squeue has no exit code; ask for the details of anything not clean.
          JobInfo more = details(it->first);
          if (!more.exit_code.empty()) info.exit_code = more.exit_code;
          if (info.reason.empty() || info.reason == "None") info.reason = more.reason;
        }
      } else {
        // squeue does not list it (finished long ago, or squeue failed):
        // ask in detail, after a grace period for a job just submitted.
        if (t.missing_since == clock_type::time_point{}) t.missing_since = clock_type::now();
        if (clock_type::now() - t.missing_since < std::chrono::seconds(ok ? 2 : 30)) continue;
        info = details(t.job_id);
        if (info.state.empty() && t.job_id != t.array_id) {
          // The array's own record speaks for this task when it holds the
          // tasks that never started, or this very task.
          JobInfo whole = details(t.array_id);
          if (whole.unstarted_tasks || whole.array_task == t.job_id.substr(t.array_id.size() + 1))
            info = whole;
        }
        if (!info.state.empty() && !classify_slurm_state(info.state).terminal) continue;
      }
      read_progress(t, sinks[t.index]);
      const SlurmEnd end = classify_slurm_state(info.state);
      if (end.retry && !cancelled && t.attempts <= site.node_failure_retries) {
        std::string err;
        auto again = submit(jobs, {t.index}, err);
        if (!again.empty()) {
          again[0].attempts = t.attempts + 1;
          if (sinks[t.index].progress)
            sinks[t.index].progress(0, "node failure in Slurm job " + t.job_id +
                                           "; resubmitted as " + again[0].job_id);
          t.done = true;  // this attempt; the new one carries on
          resubmitted.push_back(std::move(again[0]));
          continue;
        }
      }
      t.done = true;
      StageOutcome o;
      try {
        o = finish(jobs[t.index], t, info, cancelled, elapsed());
      } catch (const std::exception& e) {
        // Reading the job's result failed (the run directory went away, a
        // full disk): this stage fails, and the other jobs are still followed.
        o.status = StageStatus::Failed;
        o.error = "Slurm job " + t.job_id + " ended (" + (info.state.empty() ? "UNKNOWN" : info.state) +
                  ") but its result cannot be read: " + e.what();
        o.seconds = elapsed();
        o.job = {{"scheduler", "slurm"}, {"job_id", t.job_id}, {"state", info.state}};
      }
      done(t.index, std::move(o));
    }
    for (auto& t : resubmitted) tasks.push_back(std::move(t));
    if (cancelled && clock_type::now() > cancel_deadline) {
      for (auto& t : tasks)
        if (!t.done) {
          t.done = true;
          done(t.index, failed_without_result(
                            jobs[t.index],
                            "Slurm job " + t.job_id +
                                " was cancelled (flowrun was interrupted) but Slurm did not confirm "
                                "its end within 60 s",
                            elapsed()));
        }
      break;
    }
    // Done: return now, not a poll interval later (run() hands its one
    // outcome back only when this returns).
    if (std::all_of(tasks.begin(), tasks.end(), [](const Task& t) { return t.done; })) break;
    // Sleep in small steps so Ctrl-C reaches scancel at once.
    const auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(poll_wait);
    poll_wait = std::min(poll_every, poll_wait * 2);
    while (clock_type::now() < until) {
      if (!cancelled && env_.cancel && env_.cancel->load()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

std::unique_ptr<Executor> make_slurm_executor(const ExecutorEnv& env) {
  return std::make_unique<SlurmExecutor>(env);
}

}  // namespace flowrun

namespace flowrun {

fs::path default_run_root(const SiteConfig& site, const std::string& executor) {
  if (executor == "slurm" && !site.slurm.run_root.empty()) return site.slurm.run_root;
  return "runs";
}

}  // namespace flowrun
