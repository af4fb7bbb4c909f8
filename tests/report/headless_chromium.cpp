#include "headless_chromium.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace flowrun::test {

using nlohmann::json;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto kCallTimeout = std::chrono::seconds(60);

std::vector<unsigned char> base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<unsigned char> out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // padding, line breaks
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((buf >> bits) & 0xFF));
    }
  }
  return out;
}

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p = path;
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string HeadlessChromium::program() {
  if (const char* env = std::getenv("FLOWRUN_CHROMIUM"); env && *env) return env;
  for (const char* name : {"chromium", "chromium-browser"})
    if (on_path(name)) return name;
  return "";
}

HeadlessChromium::HeadlessChromium() {
  const std::string prog = program();
  if (prog.empty()) throw std::runtime_error("no chromium program (install the Debian package chromium)");
  char tmpl[] = "/tmp/flowrun-chromium-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  profile_ = tmpl;

  int in_pipe[2], out_pipe[2];  // in: we -> browser (its fd 3); out: browser -> we (its fd 4)
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(in_pipe[0], 3);
    ::dup2(out_pipe[1], 4);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]})
      if (fd > 4) ::close(fd);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    const std::string profile = "--user-data-dir=" + profile_.string();
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    const char* argv[] = {prog.c_str(), "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                          "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                          "--disable-extensions", "--disable-background-networking", "--disable-sync",
                          "--force-device-scale-factor=1", "--hide-scrollbars", "--mute-audio",
                          "--allow-file-access-from-files", profile.c_str(), "about:blank", nullptr};
    ::execvp(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  to_browser_ = in_pipe[1];
  from_browser_ = out_pipe[0];
  ::signal(SIGPIPE, SIG_IGN);
  call("Target.setDiscoverTargets", {{"discover", false}});
}

HeadlessChromium::~HeadlessChromium() {
  if (pid_ > 0) {
    try {
      const json msg = {{"id", next_id_++}, {"method", "Browser.close"}, {"params", json::object()}};
      const std::string text = msg.dump() + '\0';
      if (::write(to_browser_, text.data(), text.size()) < 0) {
      }
    } catch (...) {
    }
    // Give it a few seconds to close, then make sure.
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  std::error_code ec;
  if (!profile_.empty()) fs::remove_all(profile_, ec);
}

json HeadlessChromium::read_message(clock_type::time_point deadline) {
  for (;;) {
    const auto nul = buffer_.find('\0');
    if (nul != std::string::npos) {
      const std::string text = buffer_.substr(0, nul);
      buffer_.erase(0, nul + 1);
      return json::parse(text);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0) throw std::runtime_error("chromium did not answer in time");
    pollfd p{from_browser_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("chromium closed the DevTools pipe (did it crash?)");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void HeadlessChromium::note_event(const json& m) {
  const std::string method = m.value("method", "");
  if (method == "Page.loadEventFired") loaded_ = true;
  if (!current_) return;
  const json& p = m.contains("params") ? m["params"] : json::object();
  if (method == "Runtime.consoleAPICalled") {
    const std::string type = p.value("type", "");
    if (type == "error" || type == "assert") {
      std::string text = type + ":";
      for (const auto& a : p.value("args", json::array()))
        text += " " + (a.contains("value") ? (a["value"].is_string() ? a["value"].get<std::string>() : a["value"].dump())
                                           : a.value("description", ""));
      current_->console_errors.push_back(text);
    }
  } else if (method == "Runtime.exceptionThrown") {
    const json& d = p.value("exceptionDetails", json::object());
    std::string text = "exception: " + d.value("text", "");
    if (d.contains("exception")) text += " " + d["exception"].value("description", "");
    current_->console_errors.push_back(text);
  } else if (method == "Log.entryAdded") {
    const json& e = p.value("entry", json::object());
    if (e.value("level", "") == "error")
      current_->console_errors.push_back("log: " + e.value("text", "") + " " + e.value("url", ""));
  } else if (method == "Network.requestWillBeSent") {
    current_->requests.push_back(p.value("request", json::object()).value("url", ""));
  }
}

json HeadlessChromium::call(const std::string& method, const json& params, const std::string& session) {
  const long id = next_id_++;
  json msg = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) msg["sessionId"] = session;
  const std::string text = msg.dump() + '\0';
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::write(to_browser_, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write to chromium's DevTools pipe");
    sent += static_cast<size_t>(n);
  }
  const auto deadline = clock_type::now() + kCallTimeout;
  for (;;) {
    json m = read_message(deadline);
    if (m.contains("id") && m["id"] == id) {
      if (m.contains("error")) throw std::runtime_error(method + ": " + m["error"].dump());
      return m.value("result", json::object());
    }
    note_event(m);
  }
}

PageVisit HeadlessChromium::visit(const fs::path& page, const std::string& probe, const fs::path& screenshot,
                                  int width, std::chrono::milliseconds settle, const fs::path& small_screenshot,
                                  double small_height) {
  PageVisit visit;
  const std::string target = call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
  const std::string session = call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
  current_ = &visit;
  loaded_ = false;
  try {
    for (const char* domain : {"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"})
      call(domain, json::object(), session);
    call("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", 900}, {"deviceScaleFactor", 1}, {"mobile", false}}, session);
    call("Page.navigate", {{"url", "file://" + fs::absolute(page).string()}}, session);
    const auto deadline = clock_type::now() + kCallTimeout;
    while (!loaded_) note_event(read_message(deadline));
    // Let scripts that run after load finish, collecting what they log.
    const auto until = clock_type::now() + settle;
    while (clock_type::now() < until) {
      try {
        note_event(read_message(until));
      } catch (const std::runtime_error&) {
        break;  // settle time over
      }
    }
    const json r = call("Runtime.evaluate", {{"expression", "JSON.stringify(" + probe + ")"}, {"returnByValue", true}},
                        session);
    if (r.contains("exceptionDetails")) throw std::runtime_error("probe failed: " + r["exceptionDetails"].dump());
    visit.probe = json::parse(r["result"].value("value", std::string("null")));
    if (!screenshot.empty()) {
      const json metrics = call("Page.getLayoutMetrics", json::object(), session);
      const json size = metrics.contains("cssContentSize") ? metrics["cssContentSize"] : metrics["contentSize"];
      const double height = std::min(size.value("height", 900.0), 16000.0);
      call("Emulation.setDeviceMetricsOverride",
           {{"width", width}, {"height", static_cast<int>(height)}, {"deviceScaleFactor", 1}, {"mobile", false}},
           session);
      const auto save = [&](const json& params, const fs::path& file) {
        const json shot = call("Page.captureScreenshot", params, session);
        const auto png = base64_decode(shot.value("data", ""));
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
      };
      save({{"format", "png"}, {"captureBeyondViewport", true}}, screenshot);
      if (!small_screenshot.empty())
        save({{"format", "png"},
              {"captureBeyondViewport", true},
              {"clip", {{"x", 0}, {"y", 0}, {"width", width}, {"height", std::min(height, small_height)},
                        {"scale", 0.5}}}},
             small_screenshot);
    }
  } catch (...) {
    current_ = nullptr;
    throw;
  }
  current_ = nullptr;
  call("Target.closeTarget", {{"targetId", target}});
  return visit;
}

}  // namespace flowrun::test
