#include "code_identity.hpp"

#include "hashing.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace flowrun {

CodeIdentity stage_code_identity(const Stage& stage) {
  // The first word of a polymorphic object points into its class's virtual
  // table, which the linker put into the library that defines the class.
  const void* vtable = *reinterpret_cast<const void* const*>(&stage);
  Dl_info info{};
  if (::dladdr(vtable, &info) == 0 || !info.dli_fname || !*info.dli_fname)
    throw std::runtime_error("stage " + stage.spec().kind +
                             ": cannot find the library that holds its code");
  std::filesystem::path file = info.dli_fname;
  // The main program appears under an empty or relative name on some
  // systems; /proc/self/exe is its file either way.
  if (!file.is_absolute()) file = std::filesystem::read_symlink("/proc/self/exe");

  static std::mutex mutex;
  static std::map<std::filesystem::path, std::string> hashes;
  std::lock_guard lock(mutex);
  auto it = hashes.find(file);
  if (it == hashes.end()) it = hashes.emplace(file, sha256_path(file)).first;
  return {file, it->second};
}

}  // namespace flowrun
