// A Context for running the neuro stages in unit tests without the engine:
// params come from the spec defaults plus overrides, outputs go to a folder.
#pragma once

#include <flowrun/sdk.hpp>

#include "hashing.hpp"

#include <map>
#include <string>
#include <vector>

namespace flowrun::neuro::test {

class FakeContext : public Context {
 public:
  FakeContext(const StageSpec& spec, fs::path out_dir, json overrides = json::object())
      : out_dir_(std::move(out_dir)) {
    fs::create_directories(out_dir_);
    for (const auto& p : spec.params) params_[p.name] = p.default_value;
    for (auto it = overrides.begin(); it != overrides.end(); ++it) params_[it.key()] = it.value();
    for (const auto& o : spec.outputs) outputs_[o.name] = out_dir_ / o.file;
  }

  std::map<std::string, fs::path> inputs_by_port;
  json metrics = json::object();
  std::vector<std::string> logs;

  const json& params() const override { return params_; }
  bool has_input(const std::string& port) const override { return inputs_by_port.count(port) > 0; }
  fs::path input(const std::string& port) const override {
    auto it = inputs_by_port.find(port);
    if (it == inputs_by_port.end()) throw StageError("input port '" + port + "' is not connected");
    return it->second;
  }
  std::vector<fs::path> inputs(const std::string& port) const override { return {input(port)}; }
  std::vector<std::string> input_sources(const std::string&) const override { return {}; }
  std::vector<json> input_source_params(const std::string&) const override { return {}; }
  // The engine's own hashing (core/src/cache/hashing.hpp), as RunContext.
  std::string input_sha256(const std::string& port) const override { return sha256_path(input(port)); }
  std::string sha256(const fs::path& path) const override { return sha256_path(path); }
  fs::path output(const std::string& port) const override { return outputs_.at(port); }
  fs::path output_dir() const override { return out_dir_; }
  fs::path work_dir() const override { return out_dir_; }
  void log(LogLevel, std::string_view message) override { logs.emplace_back(message); }
  void progress(double, std::string_view) override {}
  void metric(const std::string& name, const json& value) override { metrics[name] = value; }
  bool cancelled() const override { return false; }
  ToolResult run_tool(const ToolCall&) override { throw StageError("no tools in unit tests"); }
  json site(const std::string&) const override { return nullptr; }
  int threads() const override { return 1; }

 private:
  fs::path out_dir_;
  json params_ = json::object();
  std::map<std::string, fs::path> outputs_;
};

}  // namespace flowrun::neuro::test
