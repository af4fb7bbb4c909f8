#include "html_text.hpp"

#include <cmath>
#include <cstdio>

namespace flowrun::report_html {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string href(const std::string& relative_path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : relative_path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string format_value(const nlohmann::json& value) {
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
  }
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string format_seconds(double seconds) {
  char buf[48];
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  if (seconds < 10) std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  else if (seconds < 120) std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else {
    const long s = std::lround(seconds);
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  }
  return buf;
}

std::string script_json(const nlohmann::json& value) {
  return script_text(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string script_text(const std::string& text) {
  // Outside strings JSON has no '<', so replacing every one is exact.
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

}  // namespace flowrun::report_html
