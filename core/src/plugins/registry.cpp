#include "registry.hpp"

#include <flowrun/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

namespace flowrun {

namespace {

// Checks what a stage declares about itself, so a broken plugin is named
// when it loads rather than misbehaving in the middle of a run.
std::string spec_problem(const StageSpec& spec) {
  static const std::regex kind_re("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*");
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  if (!std::regex_match(spec.kind, kind_re))
    return "stage kind '" + spec.kind + "' is not of the form family.name";
  if (spec.version.empty()) return "stage " + spec.kind + " has no version";
  std::set<std::string> seen;
  auto check_name = [&](const std::string& what, const std::string& n) -> std::string {
    if (!std::regex_match(n, name_re))
      return "stage " + spec.kind + ": " + what + " name '" + n + "' is not an identifier";
    if (!seen.insert(what + ":" + n).second)
      return "stage " + spec.kind + ": " + what + " '" + n + "' is declared twice";
    return "";
  };
  for (const auto& p : spec.inputs)
    if (auto e = check_name("input", p.name); !e.empty()) return e;
  for (const auto& p : spec.outputs) {
    if (auto e = check_name("output", p.name); !e.empty()) return e;
    if (p.file.empty())
      return "stage " + spec.kind + ": output '" + p.name + "' names no file";
  }
  for (const auto& p : spec.params)
    if (auto e = check_name("param", p.name); !e.empty()) return e;
  return "";
}

}  // namespace

const PluginRecord& Registry::load(const fs::path& file) {
  std::error_code fec;
  fs::path path = fs::weakly_canonical(fs::absolute(file), fec);
  if (fec) path = fs::absolute(file);
  for (const auto& p : plugins_)
    if (p.file == path) return p;
  if (!fs::exists(path)) throw PluginError(path.string() + ": plugin file does not exist");

  auto start = std::chrono::steady_clock::now();
  boost::dll::shared_library lib;
  std::error_code ec;
  lib.load(path, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec || !lib.is_loaded())
    throw PluginError(path.string() + ": cannot load shared library: " + ec.message());

  // Only plain C data is touched until the ABI check has passed.
  if (!lib.has("flowrun_plugin_info"))
    throw PluginError(path.string() +
                      ": not a flowrun plugin (it exports no flowrun_plugin_info record; "
                      "declare the library with FLOWRUN_PLUGIN(\"name\"))");
  const auto& info = lib.get<const flowrun_plugin_info_t>("flowrun_plugin_info");
  if (info.abi_version != FLOWRUN_ABI_VERSION)
    throw PluginError(path.string() + ": plugin '" + (info.name ? info.name : "?") +
                      "' was built for flowrun plugin ABI " + std::to_string(info.abi_version) +
                      ", this flowrun " FLOWRUN_VERSION_STRING " uses ABI " +
                      std::to_string(FLOWRUN_ABI_VERSION) + "; rebuild it against this SDK");
  const std::string tag = info.compiler_tag ? info.compiler_tag : "";
  if (tag != FLOWRUN_COMPILER_TAG)
    throw PluginError(path.string() + ": plugin was built with " + tag + ", flowrun with " +
                      FLOWRUN_COMPILER_TAG + "; C++ objects cannot cross between them");
  if (!lib.has("flowrun_plugin_stages"))
    throw PluginError(path.string() +
                      ": plugin exports no flowrun_plugin_stages factory "
                      "(declare the library with FLOWRUN_PLUGIN(\"name\"))");

  auto& factory = lib.get_alias<StageList()>("flowrun_plugin_stages");
  StageList stages = factory();

  PluginRecord rec;
  rec.name = info.name ? info.name : path.stem().string();
  rec.version = info.flowrun_version ? info.flowrun_version : "";
  rec.file = path;
  for (const auto& s : stages) {
    const StageSpec& spec = s->spec();
    if (auto problem = spec_problem(spec); !problem.empty())
      throw PluginError(path.string() + ": " + problem);
    if (auto it = stages_.find(spec.kind); it != stages_.end())
      throw PluginError("stage kind '" + spec.kind + "' is provided by two plugins: " +
                        plugins_[it->second.plugin].file.string() + " and " + path.string());
    if (std::count(rec.kinds.begin(), rec.kinds.end(), spec.kind))
      throw PluginError(path.string() + ": stage kind '" + spec.kind + "' is registered twice");
    rec.kinds.push_back(spec.kind);
  }
  for (const auto& s : stages) stages_[s->spec().kind] = Entry{s, plugins_.size()};
  rec.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  libraries_.push_back(std::move(lib));
  plugins_.push_back(std::move(rec));
  return plugins_.back();
}

void Registry::load_dir(const fs::path& dir, std::vector<std::string>& errors) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".so" &&
        e.path().filename().string().rfind("lib", 0) == 0)
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      load(f);
    } catch (const std::exception& e) {
      errors.push_back(e.what());
    }
  }
}

const Stage* Registry::find(const std::string& kind) const {
  auto it = stages_.find(kind);
  return it == stages_.end() ? nullptr : it->second.stage.get();
}

std::vector<std::string> Registry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : stages_) out.push_back(k);
  return out;
}

fs::path Registry::provider(const std::string& kind) const {
  auto it = stages_.find(kind);
  return it == stages_.end() ? fs::path{} : plugins_[it->second.plugin].file;
}

}  // namespace flowrun
