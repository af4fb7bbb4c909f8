// Commands on past runs: runs (list them), diff (compare two).
#include "commands.hpp"

#include "past_run.hpp"
#include "run_archive.hpp"
#include "run_diff.hpp"
#include "run_list.hpp"

#include <iostream>
#include <sstream>

namespace flowrun {

namespace {

// "a, b.c" -> {"a", "b.c"}; false for an empty item.
bool split_list(const std::string& text, std::vector<std::string>& items) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) return false;
    items.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
  }
  return !items.empty();
}

}  // namespace

int cmd_runs(const Invocation& inv) {
  const fs::path root = inv.args.empty() ? fs::path("runs") : fs::path(inv.args[0]);
  std::vector<std::string> wanted;
  if (inv.flag("metrics") && !split_list(inv.text("metrics"), wanted)) {
    std::cerr << "flowrun runs: --metrics '" << inv.text("metrics")
              << "': expected METRIC or STAGE.METRIC names separated by commas\n";
    return 2;
  }
  std::vector<std::string> problems;
  std::vector<PastRun> runs;
  try {
    runs = find_runs(root, problems);
  } catch (const HistoryError& e) {
    std::cerr << "flowrun runs: " << e.what() << "\n";
    return 2;
  }
  // Key metrics come from the stage kinds' specs when their plugins load;
  // a plugin that fails to load only costs its kinds that choice.
  Session session(inv.session());
  if (wanted.empty()) session.open();
  const KeyMetricsOf key_metrics = [&](const std::string& kind) {
    const Stage* st = session.registry().find(kind);
    return st ? st->spec().key_metrics : std::vector<std::string>{};
  };
  std::vector<std::vector<NamedValue>> metrics;
  for (const auto& r : runs) metrics.push_back(pick_metrics(r, wanted, key_metrics));

  if (inv.flag("json")) {
    std::cout << json{{"runs", runs_to_json(runs, metrics)}, {"errors", problems}}.dump(2) << "\n";
    return 0;
  }
  for (const auto& p : problems) std::cerr << "flowrun runs: skipped " << p << "\n";
  if (runs.empty()) {
    std::cout << "no runs under " << root.string() << "\n";
    return 0;
  }
  print_run_table(std::cout, runs, metrics);
  return 0;
}

int cmd_diff(const Invocation& inv) {
  if (inv.flag("json") && inv.flag("html")) {
    std::cerr << "flowrun diff: --json and --html are alternatives; give one\n";
    return 2;
  }
  PastRun a, b;
  try {
    if (inv.args.size() == 1) {
      // One run directory: its last kept run against it.
      const auto kept = kept_runs(inv.args[0]);
      if (kept.empty()) {
        std::cerr << "flowrun diff: " << (fs::path(inv.args[0]) / kHistoryFolder).string()
                  << ": no earlier run kept (a run keeps the one it replaces there); give two run directories\n";
        return 2;
      }
      a = read_run(kept.back(), true);
      b = read_run(inv.args[0], true);
    } else {
      a = read_run(inv.args.at(0), true);
      b = read_run(inv.args.at(1), true);
    }
  } catch (const HistoryError& e) {
    std::cerr << "flowrun diff: " << e.what() << "\n";
    return 2;
  }
  DiffOptions options;
  options.timing = inv.flag("timing");
  const json d = diff_runs(a, b, options);
  if (inv.flag("json")) std::cout << d.dump(2) << "\n";
  else if (inv.flag("html")) print_diff_html(std::cout, d);
  else print_diff_text(std::cout, d);
  return d["differ"].get<bool>() ? 1 : 0;
}

}  // namespace flowrun
