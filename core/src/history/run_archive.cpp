#include "run_archive.hpp"

#include "past_run.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace flowrun {

namespace {

// A run id as a folder name: "20261205-130518-4242" stays as it is.
std::string folder_name(const std::string& run_id) {
  std::string out;
  for (char c : run_id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out.empty() ? "unknown" : out;
}

void copy_into(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

// Oldest first by when each was kept (the copy's time: run ids only say
// the second a run started, and two runs may start in one second).
std::vector<fs::path> kept_folders(const fs::path& history) {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(history, ec)) {
    std::error_code ec2;
    const std::string name = e.path().filename().string();
    if (!e.is_directory(ec2) || name.ends_with(".tmp")) continue;
    const auto t = fs::last_write_time(e.path() / "report.json", ec2);
    if (!ec2) found.emplace_back(t, e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

}  // namespace

fs::path keep_previous_run(const fs::path& run_dir, std::ostream& warn) {
  std::error_code ec;
  if (!fs::is_regular_file(run_dir / "report.json", ec)) return {};
  PastRun last;
  try {
    last = read_run(run_dir, false);
  } catch (const HistoryError& e) {
    warn << "flowrun: warning: the last run is not kept in " << kHistoryFolder << ": " << e.what() << "\n";
    return {};
  }
  const fs::path history = run_dir / kHistoryFolder;
  const fs::path kept = history / folder_name(last.run_id);
  if (fs::exists(kept / "report.json", ec)) return kept;  // kept before (a later run wrote no report)
  // Written aside and renamed, so a kept run is whole or absent.
  const fs::path tmp = history / (kept.filename().string() + ".tmp");
  try {
    fs::remove_all(tmp);
    copy_into(run_dir / "report.json", tmp / "report.json");
    for (const auto& st : last.stages) {
      const fs::path manifest = run_dir / st.dir / "manifest.json";
      if (safe_relative(st.dir) && fs::is_regular_file(manifest, ec))
        copy_into(manifest, tmp / st.dir / "manifest.json");
    }
    fs::remove_all(kept);
    fs::rename(tmp, kept);
  } catch (const fs::filesystem_error& e) {
    warn << "flowrun: warning: the last run is not kept in " << history.string() << ": " << e.what() << "\n";
    fs::remove_all(tmp, ec);
    return {};
  }
  const auto all = kept_folders(history);
  for (std::size_t i = 0; i + kKeptRuns < all.size(); ++i) fs::remove_all(all[i], ec);
  return kept;
}

std::vector<fs::path> kept_runs(const fs::path& run_dir) { return kept_folders(run_dir / kHistoryFolder); }

}  // namespace flowrun
