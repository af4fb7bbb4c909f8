#include "command_line.hpp"

#include "did_you_mean.hpp"

#include <flowrun/version.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace flowrun {

namespace {

namespace fs = std::filesystem;

// Positionals are collected under this name and checked against the
// command's own list afterwards, for messages naming the argument.
constexpr const char* kArgs = "__args";

void add_option(po::options_description& desc, const Option& o) {
  auto init = desc.add_options();
  switch (o.arg) {
    // Given twice, a flag is still on and the later value wins (as in git
    // and cargo): scripts append options to a command line they were handed.
    case Arg::Flag:
      init(o.name.c_str(), po::value<std::vector<std::string>>()->zero_tokens()->composing(),
           o.help.c_str());
      break;
    case Arg::Text:
      init(o.name.c_str(), po::value<std::vector<std::string>>()->composing()->value_name(o.value_name),
           o.help.c_str());
      break;
    case Arg::Integer:
      init(o.name.c_str(), po::value<std::vector<long>>()->composing()->value_name(o.value_name),
           o.help.c_str());
      break;
    case Arg::List:
      init(o.name.c_str(), po::value<std::vector<std::string>>()->composing()->value_name(o.value_name),
           o.help.c_str());
      break;
  }
}

// Whether an option name (long, or one short letter) takes a value, over
// every command: the command is found before its options are known.
bool takes_value(const std::string& name, bool is_short) {
  auto check = [&](const std::vector<Option>& options) {
    for (const auto& o : options)
      if ((is_short ? o.short_name() : o.long_name()) == name) return o.arg != Arg::Flag;
    return false;
  };
  if (check(global_options())) return true;
  for (const auto& c : commands())
    if (check(c.options)) return true;
  return false;
}

// The index of the first argument that is neither an option nor an
// option's value: the command (or the flow file of the shortcut).
std::optional<size_t> first_positional(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return i + 1 < args.size() ? std::optional<size_t>(i + 1) : std::nullopt;
    if (a.size() > 2 && a.starts_with("--")) {
      if (a.find('=') == std::string::npos && takes_value(a.substr(2), false)) ++i;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      if (a.size() == 2 && takes_value(a.substr(1), true)) ++i;  // "-j 4", not "-j4"
      continue;
    }
    return i;
  }
  return std::nullopt;
}

bool looks_like_flow_file(const std::string& arg) {
  std::error_code ec;
  return arg.ends_with(".yaml") || arg.ends_with(".yml") || fs::is_regular_file(arg, ec);
}

std::vector<std::string> visible_command_names() {
  std::vector<std::string> names;
  for (const auto& c : commands())
    if (!c.hidden) names.push_back(c.name);
  return names;
}

void print_version(std::ostream& out) {
  out << "flowrun " << FLOWRUN_VERSION_STRING << " (plugin ABI " << FLOWRUN_ABI_VERSION << ", "
      << FLOWRUN_COMPILER_TAG << ")\n";
}

std::string synopsis(const Command& c) {
  std::string s = "flowrun " + c.name;
  for (const auto& p : c.positionals) s += p.optional ? " [" + p.name + "]" : " " + p.name;
  return s;
}

std::string option_label(const Option& o) {
  const std::string shrt = o.short_name();
  std::string s = shrt.empty() ? "    " : "-" + shrt + ", ";
  s += "--" + o.long_name();
  if (!o.value_name.empty()) s += " " + o.value_name;
  return s;
}

// Two columns; a label too wide for the first puts its help on the next line.
void print_rows(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [label, help] : rows) width = std::max(width, label.size());
  width = std::min<size_t>(width, 30);
  for (const auto& [label, help] : rows) {
    out << "  " << label;
    if (label.size() > width) out << "\n  " << std::string(width, ' ');
    else out << std::string(width - label.size(), ' ');
    out << "  " << help << "\n";
  }
}

const char* kExitCodes =
    "exit codes: 0 success; 1 a stage failed, or `diff` found differences;\n"
    "            2 invalid command line, flow, plugin, site file or run directory (nothing ran)\n";

std::string unknown_option_hint(const std::string& option, const Command* c) {
  std::vector<std::string> names;
  for (const auto& o : global_options()) names.push_back("--" + o.long_name());
  if (c)
    for (const auto& o : c->options) names.push_back("--" + o.long_name());
  std::string hint = did_you_mean(option, names);
  std::vector<std::string> owners;
  for (const auto& other : commands())
    for (const auto& o : other.options)
      if (!other.hidden && "--" + o.long_name() == option) owners.push_back(other.name);
  if (!owners.empty()) {
    hint += " (" + option + " is an option of";
    for (const auto& n : owners) hint += " " + n;
    hint += ")";
  }
  return hint;
}

}  // namespace

void print_help(std::ostream& out) {
  out << "usage: flowrun [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
         "       flowrun FLOW.yaml [OPTIONS]      same as `flowrun run FLOW.yaml`\n"
         "Options go before or after the command; `flowrun COMMAND --help` shows one command.\n\n"
         "commands:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& c : commands())
    if (!c.hidden) rows.emplace_back(synopsis(c), c.summary);
  print_rows(out, rows);

  out << "\noptions (every command takes the first four; [the commands taking the others]):\n";
  rows.clear();
  for (const auto& o : global_options()) rows.emplace_back(option_label(o), o.help);
  // Each option once, with the commands that take it, in table order.
  std::vector<std::string> order;
  std::map<std::string, std::pair<const Option*, std::vector<std::string>>> seen;
  for (const auto& c : commands()) {
    if (c.hidden) continue;
    for (const auto& o : c.options) {
      auto [it, fresh] = seen.try_emplace(o.long_name(), &o, std::vector<std::string>{});
      if (fresh) order.push_back(o.long_name());
      it->second.second.push_back(c.name);
    }
  }
  for (const auto& name : order) {
    const auto& [o, owners] = seen[name];
    std::string help = o->help + " [";
    for (size_t i = 0; i < owners.size(); ++i) help += (i ? ", " : "") + owners[i];
    rows.emplace_back(option_label(*o), help + "]");
  }
  print_rows(out, rows);
  out << "\n" << kExitCodes;
}

void print_command_help(std::ostream& out, const Command& c) {
  out << "usage: " << synopsis(c) << " [OPTIONS]\n\n" << c.summary << "\n";
  std::vector<std::pair<std::string, std::string>> rows;
  if (!c.positionals.empty()) {
    out << "\narguments:\n";
    for (const auto& p : c.positionals)
      rows.emplace_back(p.name, p.help + (p.optional ? " (optional)" : ""));
    print_rows(out, rows);
  }
  if (!c.options.empty()) {
    out << "\noptions:\n";
    rows.clear();
    for (const auto& o : c.options) rows.emplace_back(option_label(o), o.help);
    print_rows(out, rows);
  }
  out << "\nglobal options (before or after the command):\n";
  rows.clear();
  for (const auto& o : global_options()) rows.emplace_back(option_label(o), o.help);
  print_rows(out, rows);
  out << "\n" << kExitCodes;
}

int run_command_line(const std::vector<std::string>& args) {
  const auto at = first_positional(args);
  if (!at) {
    const bool help = std::find_if(args.begin(), args.end(), [](const std::string& a) {
                        return a == "--help" || a == "-h";
                      }) != args.end();
    if (help) {
      print_help(std::cout);
      return 0;
    }
    if (std::find(args.begin(), args.end(), "--version") != args.end()) {
      print_version(std::cout);
      return 0;
    }
    if (!args.empty()) std::cerr << "flowrun: missing command\n\n";
    print_help(std::cerr);
    return 2;
  }

  std::vector<std::string> rest = args;
  const std::string word = rest[*at];
  const Command* command = find_command(word);
  if (word == "help") {
    rest.erase(rest.begin() + static_cast<long>(*at));
    const auto next = first_positional(rest);
    if (!next) {
      print_help(std::cout);
      return 0;
    }
    command = find_command(rest[*next]);
    if (!command) {
      std::cerr << "flowrun help: unknown command '" << rest[*next] << "'"
                << did_you_mean(rest[*next], visible_command_names()) << "\n";
      return 2;
    }
    print_command_help(std::cout, *command);
    return 0;
  }
  if (command) {
    rest.erase(rest.begin() + static_cast<long>(*at));
  } else if (!word.starts_with("-") && looks_like_flow_file(word)) {
    command = find_command("run");  // flowrun FLOW.yaml: the flow stays the first argument
  } else {
    std::cerr << "flowrun: unknown command '" << word << "'"
              << did_you_mean(word, visible_command_names())
              << " (flowrun --help lists the commands)\n";
    return 2;
  }

  po::options_description desc;
  for (const auto& o : global_options()) add_option(desc, o);
  for (const auto& o : command->options) add_option(desc, o);
  desc.add_options()(kArgs, po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add(kArgs, -1);
  // No abbreviated long options: a new option must not change what an
  // existing abbreviation meant.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

  Invocation inv;
  inv.command = command->name;
  const std::string who = "flowrun " + command->name;
  try {
    po::store(po::command_line_parser(rest).options(desc).positional(positional).style(style).run(),
              inv.options);
    po::notify(inv.options);
  } catch (const po::unknown_option& e) {
    std::cerr << who << ": unknown option '" << e.get_option_name() << "'"
              << unknown_option_hint(e.get_option_name(), command) << "\n"
              << "(flowrun " << command->name << " --help lists its options)\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << who << ": " << e.what() << "\n"
              << "(flowrun " << command->name << " --help lists its options)\n";
    return 2;
  }
  if (inv.flag("help")) {
    print_command_help(std::cout, *command);
    return 0;
  }
  if (inv.flag("version")) {
    print_version(std::cout);
    return 0;
  }
  inv.args = inv.list(kArgs);
  size_t required = 0;
  for (const auto& p : command->positionals) required += p.optional ? 0 : 1;
  if (inv.args.size() < required) {
    std::cerr << who << ": missing " << command->positionals[inv.args.size()].name << "\n"
              << "usage: " << synopsis(*command) << " [OPTIONS]\n";
    return 2;
  }
  if (inv.args.size() > command->positionals.size()) {
    std::cerr << who << ": unexpected argument '" << inv.args[command->positionals.size()]
              << "'\nusage: " << synopsis(*command) << " [OPTIONS]\n";
    return 2;
  }
  return command->run(inv);
}

}  // namespace flowrun
