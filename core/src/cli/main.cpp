// The flowrun command line (docs/architecture.md#command-line).
//
//   flowrun FLOW.yaml                 same as `flowrun run FLOW.yaml`
//   flowrun run FLOW.yaml [--run-dir DIR] [--set STAGE.PARAM=VALUE]... [-j N]
//                         [--no-cache] [--cache-dir DIR] [--isolate] [--executor NAME]
//   flowrun validate FLOW.yaml
//   flowrun plugins [--json]
//   flowrun describe KIND [--json]
//   flowrun graph FLOW.yaml
//   flowrun run-stage FLOW.yaml --run-dir DIR --stage NAME   (used by executors)
//
// Exit codes: 0 success, 1 a stage failed, 2 invalid flow or command line.

#include "commands.hpp"

#include <flowrun/version.hpp>

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;
using namespace flowrun;

namespace {

const char* kUsage =
    "usage: flowrun FLOW.yaml [run options]\n"
    "       flowrun run FLOW.yaml [--run-dir DIR] [--set STAGE.PARAM=VALUE]... [-j N]\n"
    "                             [--no-cache] [--cache-dir DIR] [--isolate] [--executor NAME]\n"
    "       flowrun validate FLOW.yaml\n"
    "       flowrun plugins [--json]\n"
    "       flowrun describe KIND [--json]\n"
    "       flowrun graph FLOW.yaml\n"
    "       flowrun --version | --help\n";

po::options_description common_options() {
  po::options_description o("common options");
  o.add_options()
      ("help,h", "show this help")
      ("plugin-path", po::value<std::vector<std::string>>()->composing(),
       "load plugins from this library or folder (repeatable)")
      ("site", po::value<std::string>(), "site configuration file (docs/site-config.md)")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "override a param: STAGE.PARAM=VALUE (repeatable)");
  return o;
}

po::options_description run_options() {
  po::options_description o("run options");
  o.add_options()
      ("run-dir", po::value<std::string>(), "run directory (default: runs/<flow name>)")
      ("jobs,j", po::value<int>(), "stages run at once and threads per stage (default: cores)")
      ("no-cache", "run every stage; neither read nor write the cache")
      ("cache-dir", po::value<std::string>(), "cache folder (default: site cache_dir or ~/.cache/flowrun)")
      ("isolate", "run every stage in its own process (same as --executor isolate)")
      ("executor", po::value<std::string>(), "local | isolate (default: site executor or local)");
  return o;
}

po::options_description stage_options() {
  po::options_description o("run-stage options");
  o.add_options()
      ("stage", po::value<std::string>(), "stage instance to run")
      ("threads", po::value<int>(), "threads the stage may use");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (args[0] == "--version") {
    std::cout << "flowrun " << FLOWRUN_VERSION_STRING << " (plugin ABI " << FLOWRUN_ABI_VERSION
              << ", " << FLOWRUN_COMPILER_TAG << ")\n";
    return 0;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage << "\n" << common_options() << "\n" << run_options();
    return 0;
  }
  std::string command = args[0];
  static const std::vector<std::string> commands = {"run", "validate", "plugins", "describe",
                                                    "graph", "run-stage"};
  if (std::find(commands.begin(), commands.end(), command) == commands.end()) {
    if (command.rfind("-", 0) == 0 ||
        !(command.ends_with(".yaml") || command.ends_with(".yml") || fs::exists(command))) {
      std::cerr << "flowrun: unknown command '" << command << "'\n" << kUsage;
      return 2;
    }
    command = "run";  // flowrun FLOW.yaml
  } else {
    args.erase(args.begin());
  }

  po::options_description visible = common_options();
  if (command == "run" || command == "run-stage") visible.add(run_options());
  if (command == "run-stage") visible.add(stage_options());
  if (command == "plugins" || command == "describe")
    visible.add_options()("json", "machine-readable output");
  po::options_description all = visible;
  all.add_options()("target", po::value<std::string>(), "flow file or stage kind");
  po::positional_options_description positional;
  positional.add("target", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "flowrun " << command << ": " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << visible;
    return 0;
  }

  CommandLine cl;
  cl.command = command;
  if (vm.count("target")) cl.target = vm["target"].as<std::string>();
  if (vm.count("plugin-path"))
    for (const auto& p : vm["plugin-path"].as<std::vector<std::string>>())
      cl.session.plugin_paths.push_back(p);
  if (vm.count("site")) cl.session.site_file = vm["site"].as<std::string>();
  if (vm.count("set")) cl.session.overrides = vm["set"].as<std::vector<std::string>>();
  cl.json = vm.count("json") > 0;
  if (vm.count("run-dir")) cl.run_dir = vm["run-dir"].as<std::string>();
  if (vm.count("jobs")) cl.jobs = vm["jobs"].as<int>();
  cl.no_cache = vm.count("no-cache") > 0;
  if (vm.count("cache-dir")) cl.cache_dir = vm["cache-dir"].as<std::string>();
  if (vm.count("executor")) cl.executor = vm["executor"].as<std::string>();
  if (vm.count("isolate")) cl.executor = "isolate";
  if (vm.count("stage")) cl.stage = vm["stage"].as<std::string>();
  if (vm.count("threads")) cl.threads = vm["threads"].as<int>();

  const bool needs_target = command != "plugins";
  if (needs_target && cl.target.empty()) {
    std::cerr << "flowrun " << command << ": missing "
              << (command == "describe" ? "stage kind" : "flow file") << "\n" << kUsage;
    return 2;
  }
  if (cl.jobs && *cl.jobs < 1) {
    std::cerr << "flowrun: -j must be at least 1\n";
    return 2;
  }
  return run_command(cl);
}
