#include "site_config.hpp"

#include "install_paths.hpp"
#include "yaml_json.hpp"
#include "yaml_limits.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <set>

namespace flowrun {

namespace {

std::string where(const fs::path& file, const YAML::Node& n) {
  const auto m = n.Mark();
  return file.string() + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
         ": error: ";
}

fs::path user_config_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return fs::path(x) / "flowrun";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".config" / "flowrun";
  return {};
}

fs::path default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "flowrun";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "flowrun";
  return fs::temp_directory_path() / "flowrun-cache";
}

}  // namespace

fs::path find_site_config(const fs::path& explicit_file) {
  if (!explicit_file.empty()) return explicit_file;
  if (const char* env = std::getenv("FLOWRUN_SITE"); env && *env) return env;
  std::error_code ec;
  if (auto u = user_config_dir(); !u.empty() && fs::exists(u / "site.yaml", ec))
    return u / "site.yaml";
  if (fs::exists("/etc/flowrun/site.yaml", ec)) return "/etc/flowrun/site.yaml";
  return {};
}

SiteConfig load_site_config(const fs::path& explicit_file) {
  SiteConfig site;
  const fs::path share = share_dir();
  site.values["cell_library"] = (share / "cells" / "flowrun_cells.lib").string();
  site.values["cell_verilog"] = (share / "cells" / "flowrun_cells.v").string();
  site.values["executor"] = site.executor;
  site.cache_dir = default_cache_dir();

  site.file = find_site_config(explicit_file);
  if (site.file.empty()) {
    site.values["cache_dir"] = site.cache_dir.string();
    return site;
  }
  std::error_code ec;
  if (!fs::is_regular_file(site.file, ec))
    throw SiteConfigError(site.file.string() + ": error: site configuration file does not exist");
  YAML::Node root;
  try {
    std::ifstream in(site.file);
    if (!in) throw SiteConfigError(site.file.string() + ": error: cannot open the site configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    root = load_bounded_yaml(text.str());
  } catch (const YAML::Exception& e) {
    throw SiteConfigError(site.file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": error: " + e.msg);
  }
  if (root.IsNull()) return site;
  if (!root.IsMap()) throw SiteConfigError(where(site.file, root) + "expected a map of settings");

  const fs::path base = fs::absolute(site.file).parent_path();
  auto path_of = [&](const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) throw SiteConfigError(where(site.file, n) + key + ": expected a path");
    fs::path p = n.Scalar();
    return p.is_absolute() ? p : base / p;
  };
  std::string problems;
  static const std::set<std::string> path_keys = {"cell_library", "cell_verilog", "cache_dir"};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    try {
      if (key == "tools") {
        if (!v.IsMap()) throw SiteConfigError(where(site.file, v) + "tools: expected a map of program: path");
        for (const auto& t : v) site.tools[t.first.as<std::string>()] = path_of(t.second, "tools").string();
        site.values["tools"] = site.tools;
      } else if (key == "plugin_paths") {
        if (!v.IsSequence()) throw SiteConfigError(where(site.file, v) + "plugin_paths: expected a list of paths");
        json list = json::array();
        for (const auto& p : v) {
          site.plugin_paths.push_back(path_of(p, key));
          list.push_back(site.plugin_paths.back().string());
        }
        site.values[key] = list;
      } else if (key == "executor") {
        if (!v.IsScalar()) throw SiteConfigError(where(site.file, v) + "executor: expected a name");
        site.executor = v.Scalar();
        site.values[key] = site.executor;
      } else if (path_keys.count(key)) {
        fs::path p = path_of(v, key);
        if (key == "cache_dir") site.cache_dir = p;
        site.values[key] = p.string();
      } else {
        // Site-specific values a plugin may read with ctx.site(key).
        site.values[key] = yaml_to_json(v);
      }
    } catch (const SiteConfigError& e) {
      problems += std::string(problems.empty() ? "" : "\n") + e.what();
    }
  }
  if (!problems.empty()) throw SiteConfigError(problems);
  site.values["cache_dir"] = site.cache_dir.string();
  return site;
}

std::map<std::string, std::string> SiteConfig::builtin_vars() const {
  std::map<std::string, std::string> vars;
  for (const auto& [k, v] : values.items())
    if (v.is_string()) vars["site." + k] = v.get<std::string>();
    else if (v.is_number() || v.is_boolean()) vars["site." + k] = v.dump();
  vars["flowrun.share"] = share_dir().string();
  return vars;
}

json SiteConfig::value(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? json() : *it;
}

}  // namespace flowrun
