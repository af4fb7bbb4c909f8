// SHA-256 of a file, for provenance headers.
#pragma once

#include <filesystem>
#include <string>

namespace flowrun::approx {
// Lower-case hex digest; throws StageError when the file cannot be read.
std::string file_sha256(const std::filesystem::path& file);
}  // namespace flowrun::approx
