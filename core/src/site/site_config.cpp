#include "site_config.hpp"

#include "install_paths.hpp"
#include "resources.hpp"
#include "yaml_json.hpp"
#include "yaml_limits.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
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

// `slurm: {partition: P, account: A, qos: Q, sbatch_options: [...],
// run_root: DIR, node_failure_retries: N, poll_seconds: S,
// default_threads: N, default_mem: 4G, default_time: 1h}`.
SlurmSite read_slurm(const fs::path& file, const YAML::Node& v,
                     const std::function<fs::path(const YAML::Node&, const std::string&)>& path_of) {
  static const std::vector<std::string> known = {
      "partition", "account", "qos", "sbatch_options", "run_root", "node_failure_retries",
      "poll_seconds", "default_threads", "default_mem", "default_time"};
  SlurmSite s;
  if (!v.IsMap()) throw SiteConfigError(where(file, v) + "slurm: expected a map of settings");
  std::string problems;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    problems += std::string(problems.empty() ? "" : "\n") + where(file, n) + "slurm." + msg;
  };
  for (const auto& kv : v) {
    if (!kv.first.IsScalar()) {
      problems += std::string(problems.empty() ? "" : "\n") + where(file, kv.first) +
                  "slurm: expected a setting name, got a list or map";
      continue;
    }
    const std::string key = kv.first.Scalar();
    const YAML::Node& n = kv.second;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(kv.first, key + ": unknown key (known: " + list + ")");
      continue;
    }
    if (key == "sbatch_options") {
      if (!n.IsSequence()) {
        fail(n, key + ": expected a list of sbatch arguments, e.g. [--constraint=avx2]");
        continue;
      }
      for (const auto& o : n) {
        if (!o.IsScalar() || o.Scalar().rfind("-", 0) != 0) fail(o, key + ": expected an option starting with '-'");
        else s.sbatch_options.push_back(o.Scalar());
      }
      continue;
    }
    if (!n.IsScalar()) {
      fail(n, key + ": expected a single value");
      continue;
    }
    const std::string text = n.Scalar();
    std::string problem;
    auto number = [&](double lo, double hi) -> std::optional<double> {
      try {
        size_t used = 0;
        double d = std::stod(text, &used);
        if (used == text.size() && d >= lo && d <= hi) return d;
      } catch (const std::exception&) {
      }
      fail(n, key + ": expected a number from " + std::to_string(static_cast<long>(lo)) + " to " +
                  std::to_string(static_cast<long>(hi)) + ", got '" + text + "'");
      return std::nullopt;
    };
    if (key == "partition") s.partition = text;
    else if (key == "account") s.account = text;
    else if (key == "qos") s.qos = text;
    else if (key == "run_root") s.run_root = path_of(n, "slurm.run_root");
    else if (key == "node_failure_retries") {
      if (auto d = number(0, 100)) s.node_failure_retries = static_cast<int>(*d);
    } else if (key == "poll_seconds") {
      if (auto d = number(0.05, 3600)) s.poll_seconds = *d;
    } else if (key == "default_threads") {
      if (auto d = number(1, 4096)) s.default_threads = static_cast<int>(*d);
    } else if (key == "default_mem") {
      if (auto m = parse_mem_mb(text, problem)) s.default_mem_mb = *m;
      else fail(n, key + ": " + problem);
    } else if (key == "default_time") {
      if (auto t = parse_duration_s(text, problem)) s.default_time_s = *t;
      else fail(n, key + ": " + problem);
    }
  }
  if (!problems.empty()) throw SiteConfigError(problems);
  return s;
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
    if (!kv.first.IsScalar()) {
      problems += std::string(problems.empty() ? "" : "\n") + where(site.file, kv.first) +
                  "expected a setting name, got a list or map";
      continue;
    }
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    try {
      if (key == "tools") {
        if (!v.IsMap()) throw SiteConfigError(where(site.file, v) + "tools: expected a map of program: path");
        for (const auto& t : v) {
          if (!t.first.IsScalar()) throw SiteConfigError(where(site.file, t.first) + "tools: expected a program name");
          site.tools[t.first.Scalar()] = path_of(t.second, "tools").string();
        }
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
      } else if (key == "slurm") {
        site.slurm = read_slurm(site.file, v, path_of);
        site.values[key] = yaml_to_json(v);
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
    } catch (const YAML::Exception& e) {  // from yaml_to_json: a list or map as a key
      problems += std::string(problems.empty() ? "" : "\n") + site.file.string() + ":" +
                  std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": error: " + e.msg;
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
