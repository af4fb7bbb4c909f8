// The engine's implementation of the SDK Context for one stage run.
#pragma once

#include "site_config.hpp"
#include "stage_exec.hpp"
#include "stage_job.hpp"

#include <flowrun/context.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <mutex>

namespace flowrun {

class RunContext final : public Context {
 public:
  RunContext(const StageJob& job, const SiteConfig& site, fs::path out_dir, fs::path work_dir,
             std::shared_ptr<spdlog::logger> logger, const ProgressSink& sink,
             const std::atomic<bool>& cancel);

  const json& params() const override;
  bool has_input(const std::string& port) const override;
  fs::path input(const std::string& port) const override;
  std::vector<fs::path> inputs(const std::string& port) const override;
  std::vector<std::string> input_sources(const std::string& port) const override;
  std::vector<json> input_source_params(const std::string& port) const override;
  std::string input_sha256(const std::string& port) const override;
  std::string sha256(const fs::path& path) const override;
  fs::path output(const std::string& port) const override;
  fs::path output_dir() const override { return out_dir_; }
  fs::path work_dir() const override { return work_dir_; }
  void log(LogLevel level, std::string_view message) override;
  void progress(double fraction, std::string_view status) override;
  void metric(const std::string& name, const json& value) override;
  bool cancelled() const override { return cancel_.load(); }
  ToolResult run_tool(const ToolCall& call) override;
  json site(const std::string& key) const override { return site_.value(key); }
  int threads() const override { return job_.threads; }

  json metrics() const;

 private:
  const std::vector<ArtifactRef>& refs(const std::string& port) const;

  const StageJob& job_;
  const SiteConfig& site_;
  fs::path out_dir_, work_dir_;
  std::shared_ptr<spdlog::logger> logger_;
  const ProgressSink& sink_;
  const std::atomic<bool>& cancel_;
  mutable std::mutex mutex_;
  json metrics_ = json::object();
};

}  // namespace flowrun
