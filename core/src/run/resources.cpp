#include "resources.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <unistd.h>

namespace flowrun {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A whole decimal number, nothing else.
std::optional<std::int64_t> whole(const std::string& s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr int kMaxThreads = 4096;

}  // namespace

std::optional<ThreadUse> parse_threads(const std::string& text, std::string& error) {
  const std::string t = lower(trim(text));
  error = "expected a thread count (e.g. 4), \"up to N\" or \"all\", got '" + text + "'";
  if (t == "all") return ThreadUse::all();
  std::string number = t;
  bool up_to = false;
  if (t.rfind("up to", 0) == 0) {
    up_to = true;
    number = trim(t.substr(5));
  }
  auto n = whole(number);
  if (!n) return std::nullopt;
  if (*n < 1 || *n > kMaxThreads) {
    error = "thread count must be between 1 and " + std::to_string(kMaxThreads) + ", got '" + text + "'";
    return std::nullopt;
  }
  return up_to ? ThreadUse::up_to(static_cast<int>(*n)) : ThreadUse::fixed(static_cast<int>(*n));
}

std::optional<std::int64_t> parse_mem_mb(const std::string& text, std::string& error) {
  std::string t = trim(text);
  error = "expected a memory size such as 512M, 8G or 1T (a number with K, M, G or T), got '" +
          text + "'";
  if (t.empty()) return std::nullopt;
  std::int64_t scale_kb = 1024;  // no suffix: MiB, as in Slurm
  char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
  if (unit == 'B' && t.size() > 1) {  // "8GB"
    t.pop_back();
    unit = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
  }
  if (std::isalpha(static_cast<unsigned char>(unit))) {
    switch (unit) {
      case 'K': scale_kb = 1; break;
      case 'M': scale_kb = 1024; break;
      case 'G': scale_kb = 1024 * 1024; break;
      case 'T': scale_kb = 1024LL * 1024 * 1024; break;
      default: return std::nullopt;
    }
    t.pop_back();
  }
  auto n = whole(trim(t));
  if (!n || *n <= 0 || *n > (1LL << 40) / scale_kb) return std::nullopt;
  return std::max<std::int64_t>(1, (*n * scale_kb + 1023) / 1024);
}

std::optional<std::int64_t> parse_duration_s(const std::string& text, std::string& error) {
  const std::string t = lower(trim(text));
  error = "expected a duration such as 90s, 30m, 2h, 1h30m or HH:MM:SS, got '" + text + "'";
  if (t.empty()) return std::nullopt;
  std::int64_t total = 0;
  if (t.find(':') != std::string::npos) {  // [HH:]MM:SS
    std::int64_t parts[3] = {0, 0, 0};
    int count = 0;
    size_t start = 0;
    while (start <= t.size()) {
      size_t colon = t.find(':', start);
      std::string piece = t.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      auto v = whole(piece);
      if (!v || *v < 0 || count == 3) return std::nullopt;
      parts[count++] = *v;
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (count < 2) return std::nullopt;
    total = count == 3 ? parts[0] * 3600 + parts[1] * 60 + parts[2] : parts[0] * 60 + parts[1];
  } else {
    size_t i = 0;
    bool any = false;
    while (i < t.size()) {
      size_t j = i;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
      auto v = whole(t.substr(i, j - i));
      if (!v || j == t.size()) return std::nullopt;  // every number needs a unit
      std::int64_t unit = 0;
      switch (t[j]) {
        case 'd': unit = 86400; break;
        case 'h': unit = 3600; break;
        case 'm': unit = 60; break;
        case 's': unit = 1; break;
        default: return std::nullopt;
      }
      if (*v > 100LL * 365 * 86400) return std::nullopt;
      total += *v * unit;
      any = true;
      i = j + 1;
    }
    if (!any) return std::nullopt;
  }
  if (total <= 0) {
    error = "a time limit must be positive, got '" + text + "'";
    return std::nullopt;
  }
  return total;
}

std::string to_string(const ThreadUse& t) {
  switch (t.kind) {
    case ThreadUse::Kind::All: return "all";
    case ThreadUse::Kind::Fixed: return std::to_string(t.count);
    case ThreadUse::Kind::UpTo: return t.count > 0 ? "up to " + std::to_string(t.count) : "any";
  }
  return "any";
}

std::string mem_to_string(std::int64_t mb) {
  if (mb % (1024 * 1024) == 0) return std::to_string(mb / (1024 * 1024)) + "T";
  if (mb % 1024 == 0) return std::to_string(mb / 1024) + "G";
  return std::to_string(mb) + "M";
}

std::string duration_to_string(std::int64_t s) {
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60 || out.empty()) out += std::to_string(s % 60) + "s";
  return out;
}

int ThreadBudget::min_threads(const ThreadUse& t) const {
  switch (t.kind) {
    case ThreadUse::Kind::All: return total;
    case ThreadUse::Kind::Fixed: return std::clamp(t.count, 1, total);
    case ThreadUse::Kind::UpTo: return 1;
  }
  return 1;
}

int ThreadBudget::max_threads(const ThreadUse& t) const {
  switch (t.kind) {
    case ThreadUse::Kind::All: return total;
    case ThreadUse::Kind::Fixed: return std::clamp(t.count, 1, total);
    case ThreadUse::Kind::UpTo: return t.count > 0 ? std::clamp(t.count, 1, total) : total;
  }
  return total;
}

int ThreadBudget::grant(const ResourceSpec& r, int ready, bool nothing_running) const {
  const int free = total - used;
  const int lo = min_threads(r.threads);
  const int hi = max_threads(r.threads);
  if (!nothing_running) {
    if (free < lo) return 0;
    // A memory estimate that does not fit next to the running stages waits;
    // alone, a stage runs whatever it estimates.
    if (r.mem_mb > 0 && mem_total_mb > 0 && mem_used_mb + r.mem_mb > mem_total_mb) return 0;
  }
  const int share = std::max(1, (nothing_running ? total : free) / std::max(1, ready));
  return std::clamp(share, lo, std::max(lo, std::min(hi, nothing_running ? total : free)));
}

std::int64_t physical_memory_mb() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::int64_t>(pages) / 1024 * page / 1024;
}

}  // namespace flowrun
