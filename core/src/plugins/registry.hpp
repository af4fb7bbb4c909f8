// The stages known to this process, loaded from plugin libraries.
#pragma once

#include <flowrun/stage.hpp>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

struct PluginRecord {
  std::string name;
  std::string version;  // flowrun version the plugin was built against
  fs::path file;
  double load_seconds = 0;
  std::vector<std::string> kinds;
};

// Thrown for a library that cannot be used; what() names the file.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Registry {
 public:
  // Loads one plugin library. Throws PluginError (naming the file) for a
  // file that is not a flowrun plugin, an ABI or compiler mismatch, a
  // missing factory, or a kind another loaded plugin already provides.
  // Loading the same file twice is a no-op.
  const PluginRecord& load(const fs::path& file);
  // Loads every lib*.so in a folder (sorted); errors are collected, not thrown.
  void load_dir(const fs::path& dir, std::vector<std::string>& errors);

  const Stage* find(const std::string& kind) const;
  std::vector<std::string> kinds() const;  // sorted
  const std::vector<PluginRecord>& plugins() const { return plugins_; }
  // The plugin file providing a kind (for error messages and reports).
  fs::path provider(const std::string& kind) const;

 private:
  struct Entry {
    std::shared_ptr<const Stage> stage;
    size_t plugin;
  };
  std::vector<boost::dll::shared_library> libraries_;  // never unloaded
  std::vector<PluginRecord> plugins_;
  std::map<std::string, Entry> stages_;
};

}  // namespace flowrun
