// What the user sees while a flow runs. On a terminal: one live line per
// active stage (state, elapsed time, the stage's own progress), redrawn in
// place, with finished stages scrolling above. Otherwise: plain log lines.
#pragma once

#include "stage_job.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace flowrun {

class ProgressBoard {
 public:
  ProgressBoard(std::ostream& out, bool live);
  ~ProgressBoard();
  ProgressBoard(const ProgressBoard&) = delete;
  ProgressBoard& operator=(const ProgressBoard&) = delete;

  void started(const std::string& stage);
  void progress(const std::string& stage, double fraction, std::string_view status);
  void finished(const std::string& stage, StageStatus status, double seconds,
                const std::string& note);
  // Stops the live display; later output goes below it.
  void close();

 private:
  struct Active {
    std::chrono::steady_clock::time_point start;
    double fraction = -1;
    std::string status;
    std::chrono::steady_clock::time_point last_printed;
  };
  void render_loop();
  void redraw_locked();
  std::string active_line(const std::string& name, const Active& a) const;

  std::ostream& out_;
  bool live_;
  std::chrono::steady_clock::time_point t0_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Active>> active_;  // in start order
  std::vector<std::string> finished_lines_;            // not yet printed
  int drawn_ = 0;
  bool closed_ = false;
  std::thread renderer_;
};

}  // namespace flowrun
