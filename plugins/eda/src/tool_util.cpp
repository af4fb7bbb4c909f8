#include "tool_util.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace flowrun::eda {

std::string tail_lines(std::string_view text, int lines) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  std::size_t pos = end;
  for (int n = 0; n < lines && pos > 0; ++n) {
    std::size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string_view::npos ? 0 : nl;
    if (pos == 0) break;
  }
  std::string_view t = text.substr(pos, end - pos);
  while (!t.empty() && t.front() == '\n') t.remove_prefix(1);
  return std::string(t);
}

ToolResult run_checked(Context& ctx, const ToolCall& call, const std::string& what) {
  ToolResult r = ctx.run_tool(call);
  if (r.timed_out)
    throw StageError(what + ": " + call.program + " timed out after " +
                     std::to_string(call.timeout.count()) + " s (raise the stage's timeout param)");
  if (r.exit_code != 0)
    throw StageError(what + ": " + call.program + " failed (exit code " + std::to_string(r.exit_code) +
                     (r.signal ? ", signal " + std::to_string(r.signal) : std::string()) + "):\n" +
                     tail_lines(r.output, 15));
  return r;
}

std::vector<fs::path> verilog_sources(const fs::path& design) {
  std::error_code ec;
  if (fs::is_regular_file(design, ec)) return {design};
  if (!fs::is_directory(design, ec))
    throw StageError(design.string() + ": expected a Verilog file or a folder of .v files; it does not exist");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(design)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".v" || ext == ".sv")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw StageError(design.string() + ": expected .v files in this folder, found none");
  return files;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError(file.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw StageError(file.string() + ": cannot write");
}

std::string tcl_quote(const fs::path& p) { return "{" + p.string() + "}"; }

std::string yosys_quote(const fs::path& p) { return "\"" + p.string() + "\""; }

}  // namespace flowrun::eda
