#include "sim_support.hpp"

#include "tool_util.hpp"

#include <flowrun/stage.hpp>

namespace flowrun::eda {

Testbench read_testbench(const fs::path& dir_in) {
  const fs::path dir = fs::absolute(dir_in);
  const fs::path file = dir / "testbench.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw StageError(file.string() + ": missing; a testbench artifact is a folder with testbench.json "
                     "{\"format\":\"flowrun.testbench/1\",\"top\":...,\"sources\":[...]}");
  json j;
  try {
    j = json::parse(read_text(file));
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": expected JSON: " + e.what());
  }
  auto bad = [&](const std::string& what) { return StageError(file.string() + ": " + what); };
  if (!j.is_object()) throw bad("expected a JSON object");
  if (!j.contains("format") || j["format"] != "flowrun.testbench/1")
    throw bad("expected \"format\": \"flowrun.testbench/1\"");
  if (!j.contains("top") || !j["top"].is_string() || j["top"].get<std::string>().empty())
    throw bad("expected \"top\": the testbench module name (a non-empty string)");
  if (!j.contains("sources") || !j["sources"].is_array() || j["sources"].empty())
    throw bad("expected \"sources\": a non-empty list of Verilog file names");
  Testbench tb;
  tb.dir = dir;
  tb.top = j["top"];
  for (std::size_t i = 0; i < j["sources"].size(); ++i) {
    const json& s = j["sources"][i];
    if (!s.is_string()) throw bad("sources[" + std::to_string(i) + "]: expected a file name");
    fs::path p = dir / s.get<std::string>();
    if (!fs::is_regular_file(p, ec))
      throw bad("sources[" + std::to_string(i) + "]: '" + s.get<std::string>() + "' does not exist in " +
                dir.string());
    tb.sources.push_back(p);
  }
  if (j.contains("timeout_s")) {
    if (!j["timeout_s"].is_number() || j["timeout_s"].get<double>() <= 0)
      throw bad("expected \"timeout_s\": a positive number of seconds");
    tb.timeout_s = static_cast<int>(j["timeout_s"].get<double>() + 0.999);
  }
  return tb;
}

json parse_sim_result(std::string_view output) {
  static constexpr std::string_view kTag = "FLOWRUN_RESULT";
  std::string_view found;
  std::size_t pos = 0;
  while ((pos = output.find(kTag, pos)) != std::string_view::npos) {
    bool line_start = pos == 0 || output[pos - 1] == '\n';
    std::size_t eol = output.find('\n', pos);
    std::string_view line = output.substr(pos, eol == std::string_view::npos ? output.size() - pos : eol - pos);
    if (line_start) found = line;
    pos += kTag.size();
  }
  if (found.empty())
    throw StageError("the testbench did not finish: no 'FLOWRUN_RESULT {...}' line in the simulator output:\n" +
                     tail_lines(output, 10));
  std::string_view body = found.substr(kTag.size());
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    throw StageError("FLOWRUN_RESULT line: expected a JSON object, got '" + std::string(body) + "' (" +
                     e.what() + ")");
  }
  if (!j.is_object()) throw StageError("FLOWRUN_RESULT line: expected a JSON object, got " + j.dump());
  return j;
}

std::string sim_failure(const json& r) {
  if (!r.contains("status") || !r["status"].is_string())
    return "FLOWRUN_RESULT has no \"status\" string: " + r.dump();
  if (r["status"] != "PASS") return "testbench reported status " + r["status"].get<std::string>() + ": " + r.dump();
  if (!r.contains("vectors") || !r["vectors"].is_number())
    return "FLOWRUN_RESULT has no numeric \"vectors\" field: " + r.dump();
  if (!r.contains("mismatches") || !r["mismatches"].is_number())
    return "FLOWRUN_RESULT has no numeric \"mismatches\" field: " + r.dump();
  if (r["mismatches"].get<double>() > 0)
    return "testbench found " + r["mismatches"].dump() + " mismatches in " + r["vectors"].dump() + " vectors";
  return {};
}

void judge_simulation(Context& ctx, const SimRun& run, const fs::path& summary_file) {
  const Testbench& tb = *run.tb;
  if (run.result.timed_out)
    throw StageError("simulation of " + tb.top + " (" + run.simulator + ") timed out after " +
                     std::to_string(run.timeout_s) + " s (testbench timeout_s or the stage's timeout param)");

  json result = parse_sim_result(run.result.output);
  for (const auto& [key, value] : result.items())
    if (value.is_number()) ctx.metric(key, value);

  json summary = {{"testbench", tb.top},
                  {"testbench_dir", tb.dir.string()},
                  {"simulator", run.simulator},
                  {"design", json::array()},
                  {"cell_models", run.cell_models.string()},
                  {"gate_level", !run.cell_models.empty()},
                  {"sim_seconds", run.result.seconds},
                  {"exit_code", run.result.exit_code},
                  {"result", result}};
  for (const auto& d : run.design) summary["design"].push_back(d.string());
  if (run.extra.is_object()) summary.update(run.extra);
  write_text(summary_file, summary.dump(2) + "\n");

  if (std::string why = sim_failure(result); !why.empty()) throw StageError(why);
  if (run.result.exit_code != 0)
    throw StageError(run.simulator + " exited with code " + std::to_string(run.result.exit_code) +
                     " although the testbench reported PASS:\n" + tail_lines(run.result.output, 10));
  ctx.info("testbench " + tb.top + " passed: " + result.dump());
}

std::vector<std::string> iverilog_args(const Testbench& tb, const std::vector<fs::path>& design,
                                       const fs::path& cell_models, const fs::path& vvp_out) {
  std::vector<std::string> a = {"-g2005", "-s", tb.top,
                                "-DFLOWRUN_TBDIR=\"" + tb.dir.string() + "/\"", "-o", vvp_out.string()};
  for (const auto& s : tb.sources) a.push_back(s.string());
  for (const auto& d : design) a.push_back(d.string());
  if (!cell_models.empty()) a.push_back(cell_models.string());
  return a;
}

std::vector<std::string> verilator_args(const Testbench& tb, const std::vector<fs::path>& design,
                                        const fs::path& cell_models, const fs::path& obj_dir,
                                        const VerilatorBuild& build) {
  std::vector<std::string> a = {"--binary", "--timing", "-j", std::to_string(build.jobs < 1 ? 1 : build.jobs),
                                "-Wno-fatal", "-Wno-lint", "-Wno-style",
                                // X/uninitialised state as 0 (Icarus starts at x; testbenches
                                // reset the design, so a PASS does not depend on it).
                                "--x-assign", "0", "--x-initial", "0"};
  if (!build.optimize) {
    a.insert(a.end(), {"-MAKEFLAGS", "VM_PARALLEL_BUILDS=0 OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"});
  }
  a.insert(a.end(), {"--Mdir", obj_dir.string(), "--top-module", tb.top,
                     "-DFLOWRUN_TBDIR=\"" + tb.dir.string() + "/\""});
  if (build.trace) a.push_back("--trace");
  for (const auto& s : tb.sources) a.push_back(s.string());
  for (const auto& d : design) a.push_back(d.string());
  if (!cell_models.empty()) a.push_back(cell_models.string());
  return a;
}

}  // namespace flowrun::eda
