// Where this flowrun program finds its own plugins and shared data. The
// build tree mirrors the install tree (bin/, lib/flowrun/plugins/), so the
// same rule works in both; shared data (flows/, cells/) comes from
// <prefix>/share/flowrun when installed and from the source tree otherwise.
#pragma once

#include <filesystem>

namespace flowrun {

std::filesystem::path program_path();      // /proc/self/exe
std::filesystem::path builtin_plugin_dir();
std::filesystem::path share_dir();

}  // namespace flowrun
