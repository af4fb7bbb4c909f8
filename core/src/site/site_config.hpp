// The site configuration: where a site's tools, plugins and cell library
// live (docs/site-config.md). Found, in order, at --site, $FLOWRUN_SITE,
// $XDG_CONFIG_HOME/flowrun/site.yaml (~/.config/...), /etc/flowrun/site.yaml;
// the first file found is used, on top of built-in defaults.
#pragma once

#include <flowrun/spec.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

// The `slurm:` section: how the Slurm executor submits (docs/cluster.md).
struct SlurmSite {
  std::string partition;                   // --partition (empty: the cluster's default)
  std::string account;                     // --account
  std::string qos;                         // --qos
  std::vector<std::string> sbatch_options;  // added to every sbatch call, one argument each
  fs::path run_root;            // shared folder for run directories (default of --run-dir)
  int node_failure_retries = 2;  // resubmissions after NODE_FAIL / BOOT_FAIL
  double poll_seconds = 2.0;     // how often squeue is asked
  int default_threads = 1;       // CPUs for a stage that declares none
  std::int64_t default_mem_mb = 0;  // --mem for a stage that declares none (0: cluster default)
  std::int64_t default_time_s = 0;  // --time for a stage the flow gives none (0: cluster default)
};

struct SiteConfig {
  fs::path file;                               // empty: built-in defaults only
  std::map<std::string, std::string> tools;    // program name -> path
  std::vector<fs::path> plugin_paths;          // folders or library files
  std::string executor = "local";
  fs::path cache_dir;
  SlurmSite slurm;
  // Every key of the file (and the defaults) as JSON, for Context::site().
  json values = json::object();

  // ${site.KEY} for every scalar key, plus ${flowrun.share}.
  std::map<std::string, std::string> builtin_vars() const;
  json value(const std::string& key) const;
};

// Thrown with "FILE:LINE:COL: error: ..." text.
class SiteConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// explicit_file: --site (may be empty).
SiteConfig load_site_config(const fs::path& explicit_file);

// The file load_site_config would read, or empty.
fs::path find_site_config(const fs::path& explicit_file);

}  // namespace flowrun
