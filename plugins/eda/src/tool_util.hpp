// Small helpers shared by the eda stages: running a tool and failing with
// its output, collecting Verilog sources, reading and writing text files.
#pragma once

#include <flowrun/context.hpp>
#include <flowrun/stage.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::eda {

namespace fs = std::filesystem;

// Runs a tool through ctx.run_tool; throws StageError naming `what` when it
// times out or exits non-zero, quoting the last lines of its output.
ToolResult run_checked(Context& ctx, const ToolCall& call, const std::string& what);

// The last `lines` lines of a tool's output (for error messages).
std::string tail_lines(std::string_view text, int lines);

// A design artifact: a .v/.sv file, or a folder whose *.v / *.sv files
// (sorted by name, not recursive) are the design. Throws StageError when
// there is nothing to read.
std::vector<fs::path> verilog_sources(const fs::path& design);

std::string read_text(const fs::path& file);
void write_text(const fs::path& file, std::string_view text);

// A Tcl/Yosys-safe quoted file name: {path} for Tcl, "path" for Yosys.
std::string tcl_quote(const fs::path& p);
std::string yosys_quote(const fs::path& p);

}  // namespace flowrun::eda
