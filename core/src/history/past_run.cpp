#include "past_run.hpp"

#include "run_archive.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>

namespace flowrun {

namespace {

std::string format_utc(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string file_time(const fs::path& p) {
  std::error_code ec;
  const auto ft = fs::last_write_time(p, ec);
  if (ec) return "";
  const auto sys = std::chrono::file_clock::to_sys(ft);
  return format_utc(std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys)));
}

// Run ids start with the UTC start time: "20261205-130518-<pid>".
std::string time_from_run_id(const std::string& id) {
  if (id.size() < 15 || id[8] != '-') return "";
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(id[i]))) return "";
  return id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2) + " " + id.substr(9, 2) +
         ":" + id.substr(11, 2) + ":" + id.substr(13, 2);
}

json read_json_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw HistoryError(file.string() + ": cannot be read");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw HistoryError(file.string() + ": invalid JSON (" + e.what() + ")");
  }
}

// A manifest that parses and names the stage, or null.
json load_manifest(const fs::path& file, const std::string& stage) {
  std::ifstream in(file);
  if (!in) return nullptr;
  json m = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object() || !m.contains("stage") || m["stage"] != stage) return nullptr;
  return m;
}

std::string text_field(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

double number_field(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

// Stage folders of a run directory that hold a manifest, sorted.
std::vector<fs::path> manifest_dirs(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code ec2;
    if (e.is_directory(ec2) && fs::is_regular_file(e.path() / "manifest.json", ec2))
      found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// A run without report.json: flowrun is still running it, or was killed.
PastRun read_incomplete(const fs::path& dir, const std::vector<fs::path>& stage_dirs,
                        bool with_manifests) {
  PastRun run;
  run.dir = dir;
  run.status = "incomplete";
  for (const auto& sd : stage_dirs) {
    std::ifstream in(sd / "manifest.json");
    json m = json::parse(in, nullptr, false);
    if (!m.is_object()) continue;
    PastStage st;
    st.name = text_field(m, "stage");
    if (st.name.empty()) continue;
    st.kind = text_field(m, "kind");
    st.status = text_field(m, "status");
    st.seconds = number_field(m, "seconds");
    if (m.contains("metrics") && m["metrics"].is_object()) st.metrics = m["metrics"];
    st.dir = sd.filename().string();
    st.error = text_field(m, "error");
    if (with_manifests) st.manifest = m;
    const std::string t = file_time(sd / "manifest.json");
    if (run.time.empty() || (!t.empty() && t < run.time)) run.time = t;
    run.stages.push_back(std::move(st));
  }
  return run;
}

}  // namespace

bool safe_relative(const fs::path& p) {
  if (p.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

const PastStage* PastRun::find(const std::string& stage) const {
  for (const auto& s : stages)
    if (s.name == stage) return &s;
  return nullptr;
}

bool is_timing_metric(const std::string& name) { return name.find("second") != std::string::npos; }

PastRun read_run(const fs::path& dir_or_report, bool with_manifests) {
  std::error_code ec;
  fs::path dir = dir_or_report;
  fs::path report = dir / "report.json";
  if (fs::is_regular_file(dir_or_report, ec)) {
    report = dir_or_report;
    dir = dir_or_report.parent_path();
    if (dir.empty()) dir = ".";
  } else if (!fs::is_directory(dir, ec)) {
    throw HistoryError(dir.string() + ": no such run directory");
  } else if (!fs::exists(report, ec)) {
    const auto stage_dirs = manifest_dirs(dir);
    if (stage_dirs.empty())
      throw HistoryError(dir.string() + ": not a run directory (no report.json, no stage manifests)");
    return read_incomplete(dir, stage_dirs, with_manifests);
  }

  const json r = read_json_file(report);
  if (!r.is_object() || !r.contains("stages") || !r["stages"].is_object())
    throw HistoryError(report.string() +
                       ": not a flowrun report (expected an object with a \"stages\" object)");
  PastRun run;
  run.dir = dir;
  run.flow = text_field(r, "flow");
  run.run_id = text_field(r, "run_id");
  run.status = text_field(r, "status");
  run.seconds = number_field(r, "seconds");
  run.time = time_from_run_id(run.run_id);
  if (run.time.empty()) run.time = file_time(report);

  // Flow order when the report has it; the rest (older reports) by name.
  std::vector<std::string> order;
  if (r.contains("stage_order") && r["stage_order"].is_array())
    for (const auto& n : r["stage_order"])
      if (n.is_string() && r["stages"].contains(n.get<std::string>())) order.push_back(n);
  for (const auto& [name, _] : r["stages"].items())
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);

  for (const auto& name : order) {
    const json& s = r["stages"][name];
    if (!s.is_object())
      throw HistoryError(report.string() + ": stage '" + name + "' is not an object");
    PastStage st;
    st.name = name;
    st.kind = text_field(s, "kind");
    st.status = text_field(s, "status");
    st.seconds = number_field(s, "seconds");
    if (s.contains("metrics") && s["metrics"].is_object()) st.metrics = s["metrics"];
    st.error = text_field(s, "error");
    // The stage folder is where its log is: "<dir>/log.txt".
    const fs::path log = text_field(s, "log");
    st.dir = log.has_parent_path() ? log.parent_path().generic_string() : name;
    // A skipped stage did not run: a manifest in its folder is an older run's.
    if (with_manifests && st.status != "skipped" && safe_relative(st.dir))
      st.manifest = load_manifest(dir / st.dir / "manifest.json", name);
    run.stages.push_back(std::move(st));
  }
  return run;
}

std::vector<PastRun> find_runs(const fs::path& root, std::vector<std::string>& problems) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw HistoryError(root.string() + ": no such folder");
  std::vector<PastRun> runs;
  // A run directory's earlier runs, kept in its .history folder.
  const auto add_kept = [&](const fs::path& run_dir) {
    for (const auto& kept : kept_runs(run_dir)) {
      try {
        runs.push_back(read_run(kept, false));
      } catch (const HistoryError& e) {
        problems.push_back(e.what());
      }
    }
  };
  const auto by_time = [&] {
    std::stable_sort(runs.begin(), runs.end(), [](const PastRun& a, const PastRun& b) { return a.time < b.time; });
  };
  if (fs::is_regular_file(root, ec)) return {read_run(root, false)};
  if (fs::exists(root / "report.json", ec) || !manifest_dirs(root).empty()) {
    add_kept(root);
    runs.push_back(read_run(root, false));
    by_time();
    return runs;
  }

  // Runs sit a level or two below the folder given (runs/<flow>, or the
  // user's own grouping); stage outputs below a run are never searched.
  std::function<void(const fs::path&, int)> visit = [&](const fs::path& dir, int depth) {
    std::vector<fs::path> subdirs;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::error_code ec2;
      if (e.is_directory(ec2)) subdirs.push_back(e.path());
    }
    std::sort(subdirs.begin(), subdirs.end());
    for (const auto& sub : subdirs) {
      std::error_code ec2;
      if (fs::exists(sub / "report.json", ec2) || !manifest_dirs(sub).empty()) {
        add_kept(sub);
        try {
          runs.push_back(read_run(sub, false));
        } catch (const HistoryError& e) {
          problems.push_back(e.what());
        }
      } else if (depth < 3) {
        visit(sub, depth + 1);
      }
    }
  };
  visit(root, 1);
  by_time();
  return runs;
}

}  // namespace flowrun
