// The table of flowrun commands (see commands.hpp for how to add one).
#include "commands.hpp"
#include "report_html.hpp"

#include <boost/program_options/errors.hpp>

#include <iostream>
#include <stdexcept>

namespace flowrun {

namespace {

// Options shared by several commands, spelled once so they stay identical.
const Option kJson{"json", Arg::Flag, "", "machine-readable output (JSON)"};
const Option kSet{"set", Arg::List, "STAGE.PARAM=VALUE",
                  "override a param of the flow (repeatable)", Complete::FlowParam};
const Option kRunDir{"run-dir", Arg::Text, "DIR", "run directory (default: runs/<flow name>)",
                     Complete::Directory};
const Positional kFlow{"FLOW.yaml", "the flow file", false, Complete::FlowFile};

std::vector<Command> make_commands() {
  return {
      {"run", "run a flow: every stage whose result is not cached, then report.json",
       {kFlow},
       {kSet, kRunDir,
        {"jobs,j", Arg::Integer, "N", "stages run at once and threads per stage (default: cores)"},
        {"no-cache", Arg::Flag, "", "run every stage; neither read nor write the cache"},
        {"cache-dir", Arg::Text, "DIR", "cache folder (default: site cache_dir or ~/.cache/flowrun)",
         Complete::Directory},
        {"isolate", Arg::Flag, "", "run every stage in its own process (same as --executor isolate)"},
        {"executor", Arg::Text, "NAME", "how stages run (default: site executor or local)",
         Complete::Executor}},
       cmd_run},
      {"validate", "check a flow, its plugins and params; run nothing", {kFlow}, {kSet},
       cmd_validate},
      {"graph", "print the flow's stage graph as Graphviz DOT", {kFlow}, {kSet}, cmd_graph},
      {"plugins", "list the loaded plugins and the stage kinds they provide", {}, {kJson},
       cmd_plugins},
      {"describe", "show a stage kind: ports, params with defaults and ranges, metrics",
       {{"KIND", "a stage kind, e.g. trainer.logistic", false, Complete::StageKind}},
       {kJson}, cmd_describe},
      {"runs", "list the runs found under a folder (default: runs), oldest first",
       {{"DIR", "folder holding run directories, or one run directory", true, Complete::Directory}},
       {kJson,
        {"metrics", Arg::Text, "A,B", "metrics to show: METRIC or STAGE.METRIC, comma-separated"}},
       cmd_runs},
      {"diff", "compare two runs: stages, inputs, params, versions, status, metrics; "
               "exit 0 same, 1 different",
       {{"RUN_A", "run directory (or its report.json); alone: its last kept run against it", false,
         Complete::Directory},
        {"RUN_B", "run directory (or its report.json)", true, Complete::Directory}},
       {kJson,
        {"html", Arg::Flag, "", "a self-contained HTML page on stdout"},
        {"timing", Arg::Flag, "", "also show times (never counted as differences)"}},
       cmd_diff},
      {"report", "draw RUN_DIR/report.html again from the run's report.json and files",
       {{"RUN_DIR", "a run directory", false, Complete::Directory}}, {},
       [](const Invocation& inv) { return report_command(inv.args.at(0), std::cout, std::cerr); }},
      {"cache", "the result cache: size (entries, bytes, limit), prune (least recently used "
                "entries past the limit), clear",
       {{"ACTION", "size | prune | clear", false}},
       {kJson,
        {"cache-dir", Arg::Text, "DIR", "cache folder (default: site cache_dir or ~/.cache/flowrun)",
         Complete::Directory},
        {"max-size", Arg::Text, "SIZE",
         "limit for prune, e.g. 5G (default: $FLOWRUN_CACHE_MAX_SIZE, site cache_max_size, 10G)"}},
       cmd_cache},
      {"completion", "print the shell completion script (bash)",
       {{"SHELL", "bash", false, Complete::Shell}}, {}, cmd_completion},
      // One stage of an existing run directory: what the isolate and cluster
      // executors launch (docs/architecture.md#executors).
      {"run-stage", "run one stage of a run directory in this process",
       {kFlow},
       {kSet, kRunDir, {"stage", Arg::Text, "NAME", "stage instance to run"},
        {"threads", Arg::Integer, "N", "threads the stage may use"}},
       cmd_run_stage, /*hidden=*/true},
      // Names the completion script asks for: stage kinds, a flow's params.
      {"__complete", "print completion candidates",
       {{"WHAT", "kinds | params", false}, {"FLOW.yaml", "flow file (params)", true}},
       {}, cmd_complete, /*hidden=*/true},
  };
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table = make_commands();
  return table;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

const std::vector<Option>& global_options() {
  static const std::vector<Option> options = {
      {"help,h", Arg::Flag, "", "show help (of the command, when one is given)"},
      {"version", Arg::Flag, "", "print flowrun's version and plugin ABI"},
      {"plugin-path", Arg::List, "PATH", "load plugins from this library or folder (repeatable)",
       Complete::File},
      {"site", Arg::Text, "FILE", "site configuration file (docs/site-config.md)", Complete::File},
  };
  return options;
}

std::string Invocation::text(const std::string& name, const std::string& fallback) const {
  return options.count(name) ? options[name].as<std::vector<std::string>>().back() : fallback;
}

std::vector<std::string> Invocation::list(const std::string& name) const {
  return options.count(name) ? options[name].as<std::vector<std::string>>()
                             : std::vector<std::string>{};
}

std::optional<long> Invocation::integer(const std::string& name) const {
  if (!options.count(name)) return std::nullopt;
  return options[name].as<std::vector<long>>().back();
}

SessionOptions Invocation::session() const {
  SessionOptions s;
  s.site_file = text("site");
  for (const auto& p : list("plugin-path")) s.plugin_paths.push_back(p);
  s.overrides = list("set");
  return s;
}

int print_errors(const Session& s) {
  for (const auto& e : s.errors()) std::cerr << e << "\n";
  return 2;
}

}  // namespace flowrun
