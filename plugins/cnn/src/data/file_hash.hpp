// SHA-256 of files and folders for artifact provenance ("source" fields).
#pragma once

#include <filesystem>
#include <string>

namespace flowrun::cnn {

// Hex SHA-256 of a file's bytes; for a folder, of its regular files' names
// (relative, sorted) and contents, so the hash is independent of where the
// folder lives.
std::string sha256_hex(const std::filesystem::path& path);

}  // namespace flowrun::cnn
