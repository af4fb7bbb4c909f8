// Reading the artifacts of a sweep in a gathering stage: a many input port's
// artifacts by matrix coordinates, JSON reports with clear errors.
#pragma once

#include "report/banking_table.hpp"

#include <flowrun/sdk.hpp>

#include <fstream>
#include <map>
#include <string>

namespace flowrun::cnn::report {

inline json read_json_file(const fs::path& file, const char* what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw StageError(file.string() + ": missing (" + what + ")");
  std::ifstream in(file);
  try {
    json j = json::parse(in);
    if (!j.is_object()) throw StageError(file.string() + ": expected a JSON object (" + what + ")");
    return j;
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

inline void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw StageError(file.string() + ": write failed");
}

// A port's artifact is the JSON file itself or a folder holding `name`.
inline fs::path json_in(const fs::path& p, const char* name) {
  std::error_code ec;
  return fs::is_directory(p, ec) ? p / name : p;
}

struct Gathered {
  std::string source;  // the producing instance, e.g. "ga[eps_end=0.01]"
  fs::path file;
};

// The artifacts of a many port by matrix coordinates ("eps_end=0.01"); two
// for one key is an error (a table would not know which to use).
inline std::map<std::string, Gathered> by_key(const Context& ctx, const std::string& port, const char* name) {
  std::map<std::string, Gathered> out;
  const auto files = ctx.inputs(port);
  const auto sources = ctx.input_sources(port);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string src = i < sources.size() ? sources[i] : files[i].string();
    const std::string key = instance_key(src);
    if (out.count(key))
      throw StageError("input " + port + ": two artifacts for [" + key + "]: " + out[key].source + " and " + src);
    out[key] = {src, json_in(files[i], name)};
  }
  return out;
}

}  // namespace flowrun::cnn::report
