#include "install_paths.hpp"

namespace flowrun {

namespace fs = std::filesystem;

fs::path program_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("flowrun") : p;
}

fs::path builtin_plugin_dir() {
  return program_path().parent_path().parent_path() / FLOWRUN_PLUGIN_REL;
}

fs::path share_dir() {
  fs::path installed = program_path().parent_path().parent_path() / FLOWRUN_SHARE_REL;
  std::error_code ec;
  if (fs::is_directory(installed / "cells", ec)) return installed;
  return FLOWRUN_SOURCE_DIR;
}

}  // namespace flowrun
