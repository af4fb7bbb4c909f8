// What every command needs before it can act: the site configuration, the
// plugin registry filled from every plugin source, and (for flow commands)
// the validated flow. Problems are collected as messages; the command
// prints them and exits with code 2.
#pragma once

#include "flow_parser.hpp"
#include "registry.hpp"
#include "site_config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flowrun {

struct SessionOptions {
  fs::path site_file;                   // --site
  std::vector<fs::path> plugin_paths;   // --plugin-path (files or folders)
  std::vector<std::string> overrides;   // --set
};

class Session {
 public:
  explicit Session(SessionOptions options) : options_(std::move(options)) {}

  // Loads the site configuration and the plugins found without a flow:
  // the folder beside the program, $FLOWRUN_PLUGIN_PATH, the site's
  // plugin_paths, then --plugin-path. False if anything failed.
  bool open();
  // Loads a flow's own `plugins:` and validates it. False on any problem.
  bool load_flow(const fs::path& flow_file);

  const std::vector<std::string>& errors() const { return errors_; }
  const SiteConfig& site() const { return site_; }
  Registry& registry() { return registry_; }
  const Flow& flow() const { return flow_; }
  const SessionOptions& options() const { return options_; }

 private:
  void load_path(const fs::path& p, bool must_exist);

  SessionOptions options_;
  SiteConfig site_;
  Registry registry_;
  Flow flow_;
  std::vector<std::string> errors_;
};

}  // namespace flowrun
