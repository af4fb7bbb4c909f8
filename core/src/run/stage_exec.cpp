#include "stage_exec.hpp"

#include "hashing.hpp"
#include "run_context.hpp"
#include "stage_deadline.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace flowrun {

const char* to_string(StageStatus s) {
  switch (s) {
    case StageStatus::Pending: return "pending";
    case StageStatus::Running: return "running";
    case StageStatus::Ok: return "ok";
    case StageStatus::Cached: return "cached";
    case StageStatus::Failed: return "failed";
    case StageStatus::Skipped: return "skipped";
  }
  return "?";
}

void write_file_atomic(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(::getpid());
  // stdio rather than a stream: a failed write or close must say why
  // (ENOSPC above all), and a half-written temporary must not stay behind.
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(tmp.string() + ": cannot create: " + std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fflush(f) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw std::runtime_error(tmp.string() + ": cannot write: " +
                             std::strerror(written ? errno : err));
  }
  fs::rename(tmp, file);
}

std::string file_system_full(const fs::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return "";
  // Root may write into the blocks reserved for it, everyone else may not.
  const unsigned long long blocks = ::geteuid() == 0 ? st.f_bfree : st.f_bavail;
  const unsigned long long free_bytes = blocks * st.f_frsize;
  if (free_bytes >= kDiskFullBytes) return "";
  return "the file system holding " + dir.string() + " is full (" + std::to_string(free_bytes) +
         " bytes free)";
}

void discard_outputs(const fs::path& stage_dir) {
  std::error_code ec;
  fs::remove_all(stage_dir / "out", ec);
  for (const auto& e : fs::directory_iterator(stage_dir, ec))
    if (e.path().filename().string().rfind(".out.tmp", 0) == 0) fs::remove_all(e.path(), ec);
}

json read_manifest(const fs::path& stage_dir) {
  std::ifstream in(stage_dir / "manifest.json");
  if (!in) return nullptr;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

StageOutcome outcome_from_manifest(const json& m) {
  StageOutcome o;
  if (!m.is_object()) {
    o.error = "the stage wrote no manifest";
    return o;
  }
  const std::string status = m.value("status", "failed");
  o.status = status == "ok" ? StageStatus::Ok : StageStatus::Failed;
  o.seconds = m.value("seconds", 0.0);
  o.run_seconds = m.value("run_seconds", 0.0);
  o.metrics = m.value("metrics", json::object());
  o.outputs = m.value("outputs", json::object());
  o.error = m.value("error", "");
  return o;
}

void write_manifest(const StageJob& job, const StageOutcome& outcome) {
  const StageInstance& inst = *job.instance;
  json inputs = json::object();
  for (const auto& [port, refs] : job.inputs) {
    json list = json::array();
    for (const auto& r : refs)
      list.push_back({{"source", r.source}, {"path", r.path.string()}, {"sha256", r.sha256}});
    inputs[port] = list;
  }
  json m = {
      {"stage", inst.name},
      {"kind", inst.kind},
      {"version", inst.stage->spec().version},
      {"params", inst.params},
      {"matrix", inst.matrix},
      {"inputs", inputs},
      {"outputs", outcome.outputs},
      {"cache_key", job.cache_key},
      {"key_material", job.key_material},
      {"status", outcome.status == StageStatus::Ok ? "ok" : "failed"},
      {"seconds", outcome.seconds},
      {"run_seconds", outcome.run_seconds},
      {"metrics", outcome.metrics},
      {"log", "log.txt"},
  };
  if (!outcome.error.empty()) m["error"] = outcome.error;
  write_file_atomic(job.stage_dir() / "manifest.json", m.dump(2) + "\n");
}

namespace {

std::shared_ptr<spdlog::logger> open_stage_log(const fs::path& file) {
  static std::atomic<unsigned> counter{0};
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), /*truncate=*/true);
  auto logger = std::make_shared<spdlog::logger>("stage" + std::to_string(counter++), sink);
  logger->set_pattern("[%H:%M:%S.%e] %^%l%$: %v");
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::debug);
  return logger;
}

}  // namespace

StageOutcome execute_stage(const StageJob& job, const SiteConfig& site, const ProgressSink& sink,
                           const std::atomic<bool>& cancel, std::int64_t time_limit_s) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const StageInstance& inst = *job.instance;
  const fs::path dir = job.stage_dir();
  fs::create_directories(dir);
  // Whatever an earlier run left is not trusted from here on.
  fs::remove(dir / "manifest.json");
  discard_outputs(dir);
  const fs::path tmp = dir / (".out.tmp." + std::to_string(::getpid()));
  const fs::path work = dir / "work";
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(tmp);
  fs::create_directories(work);

  auto logger = open_stage_log(dir / "log.txt");
  logger->info("stage {} ({} {})", inst.name, inst.kind, inst.stage->spec().version);
  logger->info("params {}", inst.params.dump());
  for (const auto& [port, refs] : job.inputs)
    for (const auto& r : refs) logger->info("input {} <- {}", port, r.path.string());

  StageOutcome outcome;
  StageDeadline deadline(cancel, time_limit_s);
  RunContext ctx(job, site, tmp, work, logger, sink, deadline.stop());
  try {
    const auto run_start = clock::now();
    inst.stage->run(ctx);
    outcome.run_seconds = std::chrono::duration<double>(clock::now() - run_start).count();
    if (deadline.expired()) throw StageError(deadline.message());
    if (cancel.load()) throw StageError("cancelled");
    if (std::string full = file_system_full(dir); !full.empty())
      throw StageError(full + "; the stage's outputs may be incomplete and are not trusted");
    for (const auto& port : inst.stage->spec().outputs) {
      const fs::path p = tmp / port.file;
      const bool want_dir = port.file.back() == '/';
      if (!fs::exists(p) || fs::is_directory(p) != want_dir)
        throw StageError("the stage finished without writing its output '" + port.name + "' (" +
                         port.file + ")");
    }
    // Rename into place only now: out/ exists only for a finished stage.
    fs::rename(tmp, dir / "out");
    for (const auto& port : inst.stage->spec().outputs) {
      const fs::path p = dir / "out" / port.file;
      outcome.outputs[port.name] = {
          {"path", (fs::path(inst.dir) / "out" / port.file).generic_string()},
          {"sha256", sha256_path(p)}};
    }
    outcome.status = StageStatus::Ok;
  } catch (const std::exception& e) {
    outcome.status = StageStatus::Failed;
    // A stage stopped at its limit says "cancelled" or that a tool was
    // killed; the limit is the reason worth reporting.
    outcome.error = deadline.expired() && !cancel.load() ? deadline.message() : e.what();
    // A stage's own "cannot write" is clearer with the reason beside it.
    if (outcome.error.find(" is full (") == std::string::npos)
      if (std::string full = file_system_full(dir); !full.empty()) outcome.error += " (" + full + ")";
    logger->error("stage failed: {}", outcome.error);
    discard_outputs(dir);
  } catch (...) {
    outcome.status = StageStatus::Failed;
    outcome.error = "the stage threw something that is not a std::exception";
    logger->error("stage failed: {}", outcome.error);
    discard_outputs(dir);
  }
  outcome.metrics = ctx.metrics();
  outcome.seconds = std::chrono::duration<double>(clock::now() - start).count();
  logger->info("{} in {:.3f} s", to_string(outcome.status), outcome.seconds);
  logger->flush();
  try {
    write_manifest(job, outcome);
  } catch (const std::exception& e) {
    // No manifest, no trust: out/ without an "ok" manifest is discarded by
    // the next run, but discard it now so nothing half-done is left.
    discard_outputs(dir);
    outcome.status = StageStatus::Failed;
    outcome.outputs = json::object();
    outcome.error = std::string("cannot write the stage manifest: ") + e.what();
    logger->error("{}", outcome.error);
  }
  return outcome;
}

}  // namespace flowrun
