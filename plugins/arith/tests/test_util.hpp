// Small helpers of the arith tests: temp folders, files, shell commands.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flowrun::arith::test {

namespace fs = std::filesystem;

// A fresh folder under the temp dir, named after the test and this process
// (so concurrent test runs do not share it).
inline fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("flowrun_arith_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline void write_file(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

inline std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command line (stdout and stderr captured); returns exit status
// and output.
inline std::pair<int, std::string> run(const std::string& cmd, const fs::path& out_file) {
  const int rc = std::system((cmd + " >" + out_file.string() + " 2>&1").c_str());
  return {rc, read_file(out_file)};
}

}  // namespace flowrun::arith::test
