#include "session.hpp"

#include "install_paths.hpp"

#include <cstdlib>
#include <sstream>

namespace flowrun {

void Session::load_path(const fs::path& p, bool must_exist) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    registry_.load_dir(p, errors_);
  } else if (fs::exists(p, ec)) {
    try {
      registry_.load(p);
    } catch (const std::exception& e) {
      errors_.push_back(e.what());
    }
  } else if (must_exist) {
    errors_.push_back(p.string() + ": plugin path does not exist");
  }
}

bool Session::open() {
  try {
    site_ = load_site_config(options_.site_file);
  } catch (const std::exception& e) {
    errors_.push_back(e.what());
    return false;
  }
  load_path(builtin_plugin_dir(), false);
  if (const char* env = std::getenv("FLOWRUN_PLUGIN_PATH"); env && *env) {
    std::stringstream parts(env);
    std::string part;
    while (std::getline(parts, part, ':'))
      if (!part.empty()) load_path(part, true);
  }
  for (const auto& p : site_.plugin_paths) load_path(p, true);
  for (const auto& p : options_.plugin_paths) load_path(p, true);
  return errors_.empty();
}

bool Session::load_flow(const fs::path& flow_file) {
  std::vector<Diagnostic> diags;
  FlowOptions opts;
  opts.builtin_vars = site_.builtin_vars();
  opts.overrides = options_.overrides;
  for (const auto& p : flow_plugin_paths(flow_file, diags, opts)) load_path(p, true);
  // The first pass already reported a file that cannot be read or parsed.
  if (diags.empty() && errors_.empty()) flow_ = flowrun::load_flow(flow_file, registry_, opts, diags);
  for (const auto& d : diags) errors_.push_back(d.str());
  return errors_.empty();
}

}  // namespace flowrun
