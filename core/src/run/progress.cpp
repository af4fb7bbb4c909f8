#include "progress.hpp"

#include <algorithm>
#include <cstdio>

namespace flowrun {

namespace {
using clock = std::chrono::steady_clock;

std::string seconds_str(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}
}  // namespace

ProgressBoard::ProgressBoard(std::ostream& out, bool live)
    : out_(out), live_(live), t0_(clock::now()) {
  if (live_) renderer_ = std::thread([this] { render_loop(); });
}

ProgressBoard::~ProgressBoard() { close(); }

void ProgressBoard::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  cv_.notify_all();
  if (renderer_.joinable()) renderer_.join();
  std::lock_guard lock(mutex_);
  if (live_) redraw_locked();
  out_.flush();
}

std::string ProgressBoard::active_line(const std::string& name, const Active& a) const {
  std::string line = "  " + name + "  running " +
                     seconds_str(std::chrono::duration<double>(clock::now() - a.start).count());
  if (a.fraction >= 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "  %3d%%", static_cast<int>(std::clamp(a.fraction, 0.0, 1.0) * 100));
    line += pct;
  }
  if (!a.status.empty()) line += "  " + a.status;
  return line;
}

void ProgressBoard::started(const std::string& stage) {
  std::lock_guard lock(mutex_);
  Active a;
  a.start = a.last_printed = clock::now();
  active_.emplace_back(stage, a);
  if (!live_) out_ << "[" << seconds_str(std::chrono::duration<double>(clock::now() - t0_).count())
                   << "] " << stage << ": running" << std::endl;
}

void ProgressBoard::progress(const std::string& stage, double fraction, std::string_view status) {
  std::lock_guard lock(mutex_);
  for (auto& [name, a] : active_) {
    if (name != stage) continue;
    a.fraction = fraction;
    a.status = std::string(status);
    // Plain output: at most one progress line per stage every five seconds.
    if (!live_ && clock::now() - a.last_printed > std::chrono::seconds(5)) {
      a.last_printed = clock::now();
      out_ << active_line(name, a) << std::endl;
    }
  }
}

void ProgressBoard::finished(const std::string& stage, StageStatus status, double seconds,
                             const std::string& note) {
  std::lock_guard lock(mutex_);
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [&](const auto& e) { return e.first == stage; }),
                active_.end());
  std::string line = "[" + seconds_str(std::chrono::duration<double>(clock::now() - t0_).count()) +
                     "] " + stage + ": " + to_string(status);
  if (status == StageStatus::Ok || status == StageStatus::Failed)
    line += " (" + seconds_str(seconds) + ")";
  if (!note.empty()) line += " - " + note;
  if (live_) finished_lines_.push_back(line);
  else out_ << line << std::endl;
}

void ProgressBoard::redraw_locked() {
  // Move back over the previous live block and clear it.
  if (drawn_ > 0) out_ << "\x1b[" << drawn_ << "F\x1b[J";
  for (const auto& l : finished_lines_) out_ << l << "\n";
  finished_lines_.clear();
  drawn_ = 0;
  if (!closed_) {
    for (const auto& [name, a] : active_) {
      out_ << active_line(name, a) << "\n";
      ++drawn_;
    }
  }
  out_.flush();
}

void ProgressBoard::render_loop() {
  std::unique_lock lock(mutex_);
  while (!closed_) {
    redraw_locked();
    cv_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

}  // namespace flowrun
