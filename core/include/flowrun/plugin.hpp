// Plugin entry points. A plugin library has exactly one translation unit
// with FLOWRUN_PLUGIN("name") and any number of FLOWRUN_REGISTER_STAGE(T),
// one beside each stage class (Yosys-style self-registration).
//
// The loader first reads the plain-C record `flowrun_plugin_info` and checks
// its ABI version and compiler tag; only then does it import the C++ factory
// `flowrun_plugin_stages` with boost::dll::import_alias.
#pragma once

#include <flowrun/stage.hpp>
#include <flowrun/version.hpp>

#include <boost/dll/alias.hpp>

#include <cstdint>
#include <memory>
#include <vector>

extern "C" {
struct flowrun_plugin_info_t {
  std::uint32_t abi_version;
  const char* flowrun_version;
  const char* compiler_tag;
  const char* name;
};
}

namespace flowrun {

using StageList = std::vector<std::shared_ptr<const Stage>>;

namespace detail {
// One registry per plugin library: hidden visibility keeps each library's
// copy private even though the function is inline.
__attribute__((visibility("hidden"))) inline StageList& plugin_registry() {
  static StageList stages;
  return stages;
}
template <class T>
struct StageRegistrar {
  StageRegistrar() { plugin_registry().push_back(std::make_shared<const T>()); }
};
}  // namespace detail

}  // namespace flowrun

#define FLOWRUN_CONCAT_(a, b) a##b
#define FLOWRUN_CONCAT(a, b) FLOWRUN_CONCAT_(a, b)

// Registers stage class T (default-constructible) with this plugin library.
#define FLOWRUN_REGISTER_STAGE(T)                                   \
  namespace {                                                       \
  const ::flowrun::detail::StageRegistrar<T> FLOWRUN_CONCAT(        \
      flowrun_registrar_, __COUNTER__);                             \
  }

// Declares the plugin library. Use once per library.
#define FLOWRUN_PLUGIN(NAME)                                                  \
  extern "C" BOOST_SYMBOL_EXPORT const flowrun_plugin_info_t                  \
      flowrun_plugin_info = {FLOWRUN_ABI_VERSION, FLOWRUN_VERSION_STRING,     \
                             FLOWRUN_COMPILER_TAG, NAME};                     \
  namespace flowrun::detail {                                                 \
  ::flowrun::StageList plugin_stages() { return plugin_registry(); }          \
  }                                                                           \
  BOOST_DLL_ALIAS(flowrun::detail::plugin_stages, flowrun_plugin_stages)
