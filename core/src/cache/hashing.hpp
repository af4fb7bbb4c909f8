// Content hashes (sha256, hex) for cache keys and manifests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace flowrun {

std::string sha256_hex(std::string_view data);
// A file's bytes; a folder's sorted relative paths and file contents, so a
// folder artifact hashes the same wherever it lives.
std::string sha256_path(const std::filesystem::path& path);

}  // namespace flowrun
