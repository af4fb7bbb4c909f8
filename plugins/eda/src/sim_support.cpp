#include "sim_support.hpp"

#include "tool_util.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <exception>
#include <thread>

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
  if (j.contains("shardable")) {
    if (!j["shardable"].is_boolean())
      throw bad("expected \"shardable\": true or false (whether the testbench honours "
                "+flowrun_shard=i +flowrun_shards=N)");
    tb.shardable = j["shardable"].get<bool>();
  }
  if (j.contains("merge")) {
    const json& m = j["merge"];
    if (!m.is_object())
      throw bad("expected \"merge\": an object mapping result fields to \"sum\", \"max\", \"min\" or \"same\"");
    for (const auto& [key, value] : m.items()) {
      static const std::map<std::string, MergeRule> kRules = {
          {"sum", MergeRule::Sum}, {"max", MergeRule::Max}, {"min", MergeRule::Min}, {"same", MergeRule::Same}};
      auto it = value.is_string() ? kRules.find(value.get<std::string>()) : kRules.end();
      if (it == kRules.end())
        throw bad("merge." + key + ": expected \"sum\", \"max\", \"min\" or \"same\", got " + value.dump());
      if (key == "status") throw bad("merge.status: the status field always merges as PASS only when every shard passed");
      tb.merge[key] = it->second;
    }
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

const char* merge_rule_name(MergeRule r) {
  switch (r) {
    case MergeRule::Sum: return "sum";
    case MergeRule::Max: return "max";
    case MergeRule::Min: return "min";
    case MergeRule::Same: return "same";
  }
  return "same";
}

MergeRule merge_rule(const std::string& key, const std::map<std::string, MergeRule>& declared) {
  if (auto it = declared.find(key); it != declared.end()) return it->second;
  if (key.rfind("max_", 0) == 0) return MergeRule::Max;
  if (key.rfind("min_", 0) == 0) return MergeRule::Min;
  static constexpr std::string_view kSuffix = "_mismatches";
  const bool mismatch_count =
      key.size() > kSuffix.size() && key.compare(key.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
  if (key == "vectors" || key == "mismatches" || key == "cycles" || mismatch_count) return MergeRule::Sum;
  // Everything else (a latency, an index, a ratio, a name) is not a count:
  // summing it over shards would be meaningless.
  return MergeRule::Same;
}

json merge_shard_results(const std::vector<json>& shards, const std::map<std::string, MergeRule>& declared) {
  if (shards.empty()) return json::object();
  if (shards.size() == 1) return shards.front();
  // Keys in the order the first shard printed them, then any new ones.
  std::vector<std::string> keys;
  for (const auto& s : shards)
    for (const auto& [key, value] : s.items())
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  json merged = json::object();
  for (const std::string& key : keys) {
    std::vector<const json*> values;
    for (const auto& s : shards)
      if (auto it = s.find(key); it != s.end()) values.push_back(&*it);
    if (key == "status") {
      json status = *values.front();
      for (const json* v : values)
        if (status == "PASS" && *v != "PASS") status = *v;
      merged[key] = status;
      continue;
    }
    const bool all_present = values.size() == shards.size();
    const bool all_numbers =
        std::all_of(values.begin(), values.end(), [](const json* v) { return v->is_number(); });
    const MergeRule rule = merge_rule(key, declared);
    if (rule == MergeRule::Same || !all_present || !all_numbers) {
      // Kept only when every shard agrees; otherwise the shards' own values
      // (summary.json's shard_results) are the only truth.
      const bool same = all_present && std::all_of(values.begin(), values.end(),
                                                    [&](const json* v) { return *v == *values.front(); });
      if (same) merged[key] = *values.front();
      continue;
    }
    json m = *values.front();
    for (std::size_t i = 1; i < values.size(); ++i) {
      const json& v = *values[i];
      if (rule == MergeRule::Max || rule == MergeRule::Min) {
        const bool take = rule == MergeRule::Max ? v.get<double>() > m.get<double>() : v.get<double>() < m.get<double>();
        if (take) m = v;
      } else if (m.is_number_integer() && v.is_number_integer()) {
        m = m.get<std::int64_t>() + v.get<std::int64_t>();
      } else {
        m = m.get<double>() + v.get<double>();
      }
    }
    merged[key] = m;
  }
  return merged;
}

int shard_count(const Testbench& tb, std::int64_t requested, int threads) {
  if (!tb.shardable) return 1;
  const std::int64_t n = requested == 0 ? threads : requested;
  return static_cast<int>(std::max<std::int64_t>(1, n));
}

std::vector<std::string> shard_plusargs(int shard, int shards) {
  return {"+flowrun_shard=" + std::to_string(shard), "+flowrun_shards=" + std::to_string(shards)};
}

std::vector<fs::path> model_sources(const fs::path& models) {
  std::error_code ec;
  if (fs::is_regular_file(models, ec)) return {models};
  if (!fs::is_directory(models, ec))
    throw StageError("models: " + models.string() + " does not exist (expected a .v file or a folder of .v models)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(models))
    if (e.is_regular_file() && e.path().extension() == ".v") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw StageError("models: " + models.string() + ": expected .v simulation models in this folder, found none");
  return files;
}

ShardedRun run_sharded(Context& ctx, const ToolCall& call, const fs::path& results, int shards, bool shardable) {
  ShardedRun out;
  out.results.resize(static_cast<std::size_t>(std::max(1, shards)));
  const auto start = std::chrono::steady_clock::now();
  if (shards <= 1) {
    ToolCall c = call;
    c.cwd = results;
    if (shardable) {
      auto plus = shard_plusargs(0, 1);
      c.args.insert(c.args.end(), plus.begin(), plus.end());
    }
    out.results[0] = ctx.run_tool(c);
  } else {
    // One thread per process: each waits for its own child (run_tool is
    // safe to call concurrently: O_CLOEXEC pipes, waitpid on its pid, a
    // thread-safe log).
    std::vector<std::exception_ptr> errors(out.results.size());
    std::vector<std::thread> threads;
    for (int i = 0; i < shards; ++i) {
      ToolCall c = call;
      c.cwd = results / ("shard" + std::to_string(i));
      fs::create_directories(c.cwd);
      auto plus = shard_plusargs(i, shards);
      c.args.insert(c.args.end(), plus.begin(), plus.end());
      c.stdout_file = ctx.work_dir() / ("shard" + std::to_string(i) + ".log");
      threads.emplace_back([&ctx, &out, &errors, c, i] {
        try {
          out.results[static_cast<std::size_t>(i)] = ctx.run_tool(c);
        } catch (...) {
          errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

namespace {

std::vector<std::string> file_names(const std::vector<fs::path>& files) {
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.filename().string());
  return names;
}

std::string join_paths(const std::vector<fs::path>& files) {
  std::string s;
  for (const auto& f : files) s += (s.empty() ? "" : " ") + f.string();
  return s.empty() ? "(none)" : s;
}

}  // namespace

void judge_simulation(Context& ctx, const SimRun& run, const fs::path& summary_file) {
  const Testbench& tb = *run.tb;
  const std::size_t n = run.run.results.size();
  auto who = [&](std::size_t i) {
    return n == 1 ? std::string() : "shard " + std::to_string(i) + " of " + std::to_string(n) + " (+flowrun_shard=" +
                                        std::to_string(i) + "): ";
  };
  std::vector<json> per_shard;
  for (std::size_t i = 0; i < n; ++i) {
    const ToolResult& r = run.run.results[i];
    if (r.timed_out)
      throw StageError(who(i) + "simulation of " + tb.top + " (" + run.simulator + ") timed out after " +
                       std::to_string(run.timeout_s) + " s (testbench timeout_s or the stage's timeout param)");
    try {
      per_shard.push_back(parse_sim_result(r.output));
    } catch (const StageError& e) {
      throw StageError(who(i) + e.what());
    }
  }
  json result = merge_shard_results(per_shard, tb.merge);
  for (const auto& [key, value] : per_shard.front().items())
    if (!result.contains(key))
      ctx.info("result field '" + key + "' differs between shards (rule " +
               merge_rule_name(merge_rule(key, tb.merge)) + "): left out of the merged result; see shard_results");
  for (const auto& [key, value] : result.items())
    if (value.is_number()) ctx.metric(key, value);
  ctx.metric("shards", static_cast<std::int64_t>(n));
  ctx.metric("sim_seconds", run.run.seconds);

  // Only what the inputs determine: file names, not absolute paths (the
  // same flow in another run folder must give the same bytes); times are
  // metrics. The full paths go to the stage log.
  int exit_code = 0;
  for (const auto& r : run.run.results)
    if (r.exit_code != 0 && exit_code == 0) exit_code = r.exit_code;
  json summary = {{"testbench", tb.top},
                  {"simulator", run.simulator},
                  {"design", file_names(run.design)},
                  {"models", file_names(run.models)},
                  {"cell_models", run.cell_models.empty() ? std::string() : run.cell_models.filename().string()},
                  {"gate_level", !run.cell_models.empty()},
                  {"shards", n},
                  {"exit_code", exit_code},
                  {"result", result}};
  if (n > 1) summary["shard_results"] = per_shard;
  write_text(summary_file, summary.dump(2) + "\n");
  ctx.info("testbench " + tb.dir.string() + "; design " + join_paths(run.design) + "; models " +
           join_paths(run.models) + "; cell models " +
           (run.cell_models.empty() ? std::string("(none)") : run.cell_models.string()));

  for (std::size_t i = 0; i < n; ++i)
    if (std::string why = sim_failure(per_shard[i]); !why.empty()) throw StageError(who(i) + why);
  if (n > 1)
    if (std::string why = sim_failure(result); !why.empty()) throw StageError(why);
  for (std::size_t i = 0; i < n; ++i) {
    const ToolResult& r = run.run.results[i];
    if (r.exit_code != 0)
      throw StageError(who(i) + run.simulator + " exited with code " + std::to_string(r.exit_code) +
                       " although the testbench reported PASS:\n" + tail_lines(r.output, 10));
  }
  ctx.info("testbench " + tb.top + " passed" + (n > 1 ? " in " + std::to_string(n) + " shards" : std::string()) +
           ": " + result.dump());
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
  } else {
    // Verilator's parallel build, but the model's per-cycle code (OPT_FAST)
    // and the runtime with its timing scheduler (OPT_GLOBAL) at -O2 instead
    // of Verilator's default -Os: 1.6x faster simulation of the F = 16 CNN
    // accelerator (docs/eda-stages.md), for a few seconds more build.
    // OPT_SLOW (constructors, initial blocks) keeps Verilator's default.
    a.insert(a.end(), {"-MAKEFLAGS", "OPT_FAST=-O2 OPT_GLOBAL=-O2"});
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
