#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

namespace flowrun::fuzz {

namespace {

fs::path g_scratch;

void remove_scratch() {
  std::error_code ec;
  if (!g_scratch.empty()) fs::remove_all(g_scratch, ec);
}

bool plain_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const fs::path& fresh_scratch_dir() {
  if (g_scratch.empty()) {
    std::string templ = (fs::temp_directory_path() / "flowrun-fuzz-XXXXXX").string();
    if (!mkdtemp(templ.data())) {
      std::perror("flowrun fuzz: mkdtemp");
      std::abort();
    }
    g_scratch = templ;
    std::atexit(remove_scratch);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(g_scratch, ec)) fs::remove_all(entry.path(), ec);
  return g_scratch;
}

fs::path write_file(const fs::path& dir, const std::string& name, std::string_view bytes) {
  const fs::path p = dir / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "flowrun fuzz: cannot write %s\n", p.c_str());
    std::abort();
  }
  return p;
}

std::vector<fs::path> write_bundle(const fs::path& dir, std::string_view bytes) {
  constexpr std::string_view kMarker = "=== ";
  std::vector<fs::path> files;
  // Start of every marker line.
  std::vector<std::size_t> starts;
  for (std::size_t pos = 0; pos < bytes.size();) {
    if (bytes.compare(pos, kMarker.size(), kMarker) == 0) starts.push_back(pos);
    const std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  for (std::size_t k = 0; k < starts.size() && files.size() < 16; ++k) {
    const std::size_t header_end = bytes.find('\n', starts[k]);
    if (header_end == std::string_view::npos) break;
    const std::string_view name = bytes.substr(starts[k] + kMarker.size(), header_end - starts[k] - kMarker.size());
    std::size_t end = k + 1 < starts.size() ? starts[k + 1] : bytes.size();
    // The newline before the next marker belongs to the marker.
    if (k + 1 < starts.size() && end > header_end + 1) --end;
    if (!plain_name(name)) continue;
    const std::size_t body = header_end + 1;
    files.push_back(write_file(dir, std::string(name), bytes.substr(body, end > body ? end - body : 0)));
  }
  return files;
}

void expect_clear_error(std::string_view message, const std::string& file_name) {
  // FLOWRUN_FUZZ_SHOW=1 prints each rejection (to see what a seed hits).
  if (const char* show = std::getenv("FLOWRUN_FUZZ_SHOW"); show && *show == '1')
    std::fprintf(stderr, "rejected: %.*s\n", static_cast<int>(message.size()), message.data());
  if (message.find(file_name) != std::string_view::npos) return;
  std::fprintf(stderr, "flowrun fuzz: error message does not name the file %s:\n%.*s\n", file_name.c_str(),
               static_cast<int>(message.size()), message.data());
  std::abort();
}

}  // namespace flowrun::fuzz
