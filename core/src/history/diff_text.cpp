// `flowrun diff` as text: one block per stage that changed.
#include "run_diff.hpp"

#include <cstdio>

namespace flowrun {

namespace {

std::string run_line(const json& h) {
  return h["dir"].get<std::string>() + "  (" + (h["flow"].get<std::string>().empty() ? "?" : h["flow"].get<std::string>()) +
         ", " + h["time"].get<std::string>() + ", " + h["status"].get<std::string>() + ")";
}

}  // namespace

void print_diff_text(std::ostream& out, const json& diff) {
  out << "a: " << run_line(diff["a"]) << "\n" << "b: " << run_line(diff["b"]) << "\n";
  if (diff.contains("flow"))
    out << "flow: " << diff["flow"]["a"].get<std::string>() << " -> "
        << diff["flow"]["b"].get<std::string>() << "\n";
  size_t changed = 0, only_a = 0, only_b = 0;
  for (const auto& st : diff["stages"]) {
    const std::string name = st["stage"];
    if (st.contains("only_in")) {
      (st["only_in"] == "a" ? only_a : only_b)++;
      out << "\nonly in " << st["only_in"].get<std::string>() << ": " << name << "  ("
          << st["kind"].get<std::string>() << ", " << st["status"].get<std::string>() << ")\n";
      continue;
    }
    ++changed;
    const json& c = st["changes"];
    out << "\n" << name << "  (" << st["kind"].get<std::string>() << ")\n";
    for (const char* key : {"kind", "version", "status"})
      if (c.contains(key))
        out << "  " << key << std::string(9 - std::char_traits<char>::length(key), ' ')
            << c[key]["a"].get<std::string>() << " -> " << c[key]["b"].get<std::string>() << "\n";
    if (c.contains("params"))
      for (const auto& [k, v] : c["params"].items())
        out << "  param    " << k << ": " << value_text(v["a"]) << " -> " << value_text(v["b"]) << "\n";
    if (c.contains("inputs"))
      for (const auto& [k, v] : c["inputs"].items())
        out << "  input    " << k << ": " << inputs_text(v["a"]) << " -> " << inputs_text(v["b"]) << "\n";
    if (c.contains("outputs"))
      for (const auto& [k, v] : c["outputs"].items())
        out << "  output   " << k << ": " << short_hash(v["a"]) << " -> " << short_hash(v["b"]) << "\n";
    if (c.contains("metrics"))
      for (const auto& [k, v] : c["metrics"].items())
        out << "  metric   " << k << ": " << value_text(v["a"]) << " -> " << value_text(v["b"])
            << delta_text(v) << "\n";
  }
  if (diff.contains("timing")) {
    out << "\ntimes (never counted as differences):\n  run  " << seconds_text(diff["seconds"]["a"])
        << " -> " << seconds_text(diff["seconds"]["b"]) << "\n";
    for (const auto& t : diff["timing"]) {
      out << "  " << t["stage"].get<std::string>() << "  " << t["status"]["a"].get<std::string>()
          << " " << seconds_text(t["seconds"]["a"]) << " -> " << t["status"]["b"].get<std::string>()
          << " " << seconds_text(t["seconds"]["b"]) << "\n";
      if (t.contains("metrics"))
        for (const auto& [k, v] : t["metrics"].items())
          out << "    " << k << ": " << value_text(v["a"]) << " -> " << value_text(v["b"]) << "\n";
    }
  }
  const size_t same = diff["unchanged"].size();
  out << "\n";
  if (!diff["differ"].get<bool>()) {
    out << "no differences (" << same << " stages: same kinds, versions, status, params, "
        << "input and output hashes, metrics)\n";
    return;
  }
  out << changed << " stage" << (changed == 1 ? "" : "s") << " changed, " << only_a
      << " only in a, " << only_b << " only in b, " << same << " unchanged\n";
}

}  // namespace flowrun
