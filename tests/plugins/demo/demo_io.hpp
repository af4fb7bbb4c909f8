// Small file helpers shared by the demo stages: whole-file reads and
// writes that fail with a StageError naming the file.
#pragma once

#include <flowrun/stage.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flowrun::demo {

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError(file.string() + ": cannot open for reading");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::filesystem::path& file, const std::string& text) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) throw StageError(file.string() + ": cannot write");
}

}  // namespace flowrun::demo
