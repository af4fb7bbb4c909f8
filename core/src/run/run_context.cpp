#include "run_context.hpp"

#include "hashing.hpp"
#include "tool_runner.hpp"

#include <cmath>

namespace flowrun {

RunContext::RunContext(const StageJob& job, const SiteConfig& site, fs::path out_dir,
                       fs::path work_dir, std::shared_ptr<spdlog::logger> logger,
                       const ProgressSink& sink, const std::atomic<bool>& cancel)
    : job_(job), site_(site), out_dir_(std::move(out_dir)), work_dir_(std::move(work_dir)),
      logger_(std::move(logger)), sink_(sink), cancel_(cancel) {}

const json& RunContext::params() const { return job_.instance->params; }

const std::vector<ArtifactRef>& RunContext::refs(const std::string& port) const {
  const StageSpec& spec = job_.instance->stage->spec();
  if (!spec.input(port))
    throw StageError(spec.kind + " has no input port '" + port + "'");
  static const std::vector<ArtifactRef> none;
  auto it = job_.inputs.find(port);
  return it == job_.inputs.end() ? none : it->second;
}

bool RunContext::has_input(const std::string& port) const { return !refs(port).empty(); }

fs::path RunContext::input(const std::string& port) const {
  const auto& r = refs(port);
  if (r.empty()) throw StageError("input '" + port + "' is not connected");
  return r.front().path;
}

std::vector<fs::path> RunContext::inputs(const std::string& port) const {
  std::vector<fs::path> out;
  for (const auto& r : refs(port)) out.push_back(r.path);
  return out;
}

std::vector<std::string> RunContext::input_sources(const std::string& port) const {
  std::vector<std::string> out;
  for (const auto& r : refs(port)) out.push_back(r.source);
  return out;
}

std::vector<json> RunContext::input_source_params(const std::string& port) const {
  std::vector<json> out;
  for (const auto& r : refs(port)) out.push_back(r.source_params);
  return out;
}

std::string RunContext::input_sha256(const std::string& port) const {
  const auto& r = refs(port);
  if (r.empty()) throw StageError("input '" + port + "' is not connected");
  return r.front().sha256;
}

std::string RunContext::sha256(const fs::path& path) const {
  // A Path param was hashed for the cache key (Cache::compute_key): reuse
  // that hash rather than reading a possibly large file twice.
  if (const json* params = job_.key_material.is_object() && job_.key_material.contains("params")
                               ? &job_.key_material["params"]
                               : nullptr) {
    for (const auto& [name, v] : params->items())
      if (v.is_object() && v.contains("sha256") && v.value("path", "") == path.string() &&
          !v["sha256"].get<std::string>().empty())
        return v["sha256"].get<std::string>();
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) throw StageError(path.string() + ": cannot hash: no such file or folder");
  try {
    return sha256_path(path);
  } catch (const std::exception& e) {
    throw StageError(std::string("cannot hash: ") + e.what());  // names the path
  }
}

fs::path RunContext::output(const std::string& port) const {
  const PortSpec* p = job_.instance->stage->spec().output(port);
  if (!p) throw StageError(job_.instance->kind + " has no output port '" + port + "'");
  fs::path path = out_dir_ / p->file;
  if (!p->file.empty() && p->file.back() == '/') {
    fs::create_directories(path);
  } else if (path.has_parent_path()) {
    fs::create_directories(path.parent_path());
  }
  return path;
}

void RunContext::log(LogLevel level, std::string_view message) {
  switch (level) {
    case LogLevel::Debug: logger_->debug("{}", message); break;
    case LogLevel::Info: logger_->info("{}", message); break;
    case LogLevel::Warn: logger_->warn("{}", message); break;
    case LogLevel::Error: logger_->error("{}", message); break;
  }
}

void RunContext::progress(double fraction, std::string_view status) {
  if (sink_.progress) {
    std::lock_guard lock(mutex_);
    sink_.progress(fraction, status);
  }
}

void RunContext::metric(const std::string& name, const json& value) {
  // JSON has no NaN or infinity; keep such values visible as strings.
  json v = value;
  if (v.is_number_float() && !std::isfinite(v.get<double>()))
    v = std::isnan(v.get<double>()) ? "nan" : (v.get<double>() > 0 ? "inf" : "-inf");
  std::lock_guard lock(mutex_);
  metrics_[name] = v;
}

json RunContext::metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

ToolResult RunContext::run_tool(const ToolCall& call) {
  fs::path program = resolve_program(call.program, site_.tools);
  if (program.empty()) {
    // A site that maps the name to a path that is not there: say which.
    if (auto it = site_.tools.find(call.program); it != site_.tools.end())
      throw StageError("program '" + call.program + "': tools." + call.program + " in " +
                       site_.file.string() + " is '" + it->second + "', which does not exist");
    throw StageError(missing_program_message(call));
  }
  ToolCall c = call;
  if (c.cwd.empty()) c.cwd = work_dir_;
  std::string cmdline = program.string();
  for (const auto& a : c.args) cmdline += " " + a;
  logger_->info("$ {}  (in {})", cmdline, c.cwd.string());
  std::string pending;
  auto on_output = [&](std::string_view chunk) {
    pending.append(chunk);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      logger_->info("{}| {}", fs::path(c.program).filename().string(), pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  };
  ToolResult r = run_program(program, c, on_output, &cancel_);
  if (!pending.empty()) logger_->info("{}| {}", fs::path(c.program).filename().string(), pending);
  if (r.timed_out)
    logger_->error("{} timed out after {} s and was killed", c.program, c.timeout.count());
  else
    logger_->info("{} exited with code {} after {:.2f} s", c.program, r.exit_code, r.seconds);
  return r;
}

}  // namespace flowrun
