// Headless Chromium driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4), so
// the report tests need no network, no websocket library and no npm.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::test {

// What a loaded page showed.
struct PageVisit {
  std::vector<std::string> console_errors;  // console.error/assert, uncaught exceptions, error log entries
  std::vector<std::string> requests;        // every URL the page asked for, the page itself included
  nlohmann::json probe;                     // the value of the probe expression
};

class HeadlessChromium {
 public:
  // Starts the browser (the Debian `chromium` program, or $FLOWRUN_CHROMIUM);
  // throws std::runtime_error when it cannot.
  HeadlessChromium();
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // The program to run, or "" when none is installed.
  static std::string program();

  // Opens `page` in a fresh tab of `width` CSS pixels, waits for the load
  // event and `settle` more, evaluates `probe` (a JavaScript expression
  // returning something JSON-serializable) and, when `screenshot` is given,
  // saves the whole page as PNG there (up to 16000 pixels high); with
  // `small_screenshot` also the page's first `small_height` pixels at half
  // size (the pictures in docs/).
  PageVisit visit(const std::filesystem::path& page, const std::string& probe,
                  const std::filesystem::path& screenshot = {}, int width = 1280,
                  std::chrono::milliseconds settle = std::chrono::milliseconds(300),
                  const std::filesystem::path& small_screenshot = {}, double small_height = 9000);

 private:
  nlohmann::json call(const std::string& method, const nlohmann::json& params, const std::string& session = "");
  nlohmann::json read_message(std::chrono::steady_clock::time_point deadline);
  void note_event(const nlohmann::json& event);

  int pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string buffer_;
  long next_id_ = 1;
  std::filesystem::path profile_;
  PageVisit* current_ = nullptr;  // events go here while a page is visited
  bool loaded_ = false;
};

}  // namespace flowrun::test
