// The stage table of report.html: per stage its status (cached or not),
// time, start, key metrics (all of them one click away), error, and links to
// its log, manifest and outputs — only to files that exist.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace flowrun::report_html {

std::string stage_table_html(const std::filesystem::path& run_dir, const nlohmann::json& report);

}  // namespace flowrun::report_html
