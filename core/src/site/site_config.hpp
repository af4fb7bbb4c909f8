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

struct SiteConfig {
  fs::path file;                               // empty: built-in defaults only
  std::map<std::string, std::string> tools;    // program name -> path
  std::vector<fs::path> plugin_paths;          // folders or library files
  std::string executor = "local";
  fs::path cache_dir;
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
