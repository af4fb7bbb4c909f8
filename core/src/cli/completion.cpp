// Shell completion: `flowrun completion bash` writes a bash script made
// from the command table, so it always knows this program's commands and
// options. Names that depend on what is installed (stage kinds of the loaded
// plugins, a flow's params) are asked of flowrun at completion time through
// the hidden `flowrun __complete kinds|params` command.
#include "commands.hpp"

#include "executor.hpp"

#include <flowrun/version.hpp>

#include <iostream>
#include <set>
#include <sstream>

namespace flowrun {

namespace {

std::string join(const std::vector<std::string>& words, const std::string& sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

std::vector<std::string> option_words(const std::vector<Option>& options) {
  std::vector<std::string> words;
  for (const auto& o : options) {
    words.push_back("--" + o.long_name());
    if (!o.short_name().empty()) words.push_back("-" + o.short_name());
  }
  return words;
}

// The bash statement offering candidates of one kind for the word "$cur".
std::string offer(Complete c) {
  switch (c) {
    case Complete::FlowFile: return "_flowrun_flows";
    case Complete::StageKind: return "_flowrun_kinds";
    case Complete::Directory: return "_flowrun_dirs";
    case Complete::File: return "_flowrun_files";
    case Complete::Executor: return "_flowrun_words " + join(executor_names());
    case Complete::Shell: return "_flowrun_words bash";
    case Complete::FlowParam: return "_flowrun_params";
    case Complete::None: return ":";
  }
  return ":";
}

// The fixed part: helpers that fill COMPREPLY for the word being completed.
const char* kHelpers = R"BASH(
_flowrun_add() { mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY; }
_flowrun_words() { _flowrun_add < <(compgen -W "$*" -- "$cur"); }
_flowrun_dirs() {
  _flowrun_add < <(compgen -d -- "$cur")
  compopt -o filenames 2>/dev/null
}
_flowrun_files() {
  _flowrun_add < <(compgen -f -- "$cur")
  compopt -o filenames 2>/dev/null
}
_flowrun_flows() {
  _flowrun_add < <(compgen -d -- "$cur")
  _flowrun_add < <(compgen -f -X '!*.yaml' -- "$cur")
  _flowrun_add < <(compgen -f -X '!*.yml' -- "$cur")
  compopt -o filenames 2>/dev/null
}
# Stage kinds of the plugins flowrun loads, with the --plugin-path and
# --site already typed on the line.
_flowrun_kinds() {
  _flowrun_add < <(compgen -W "$("$prog" __complete kinds "${ctx[@]}" 2>/dev/null)" -- "$cur")
}
# STAGE.PARAM= of the flow already typed on the line (for --set).
_flowrun_params() {
  [[ -n $flow ]] || return
  _flowrun_add < <(compgen -W "$("$prog" __complete params "$flow" "${ctx[@]}" 2>/dev/null)" -- "$cur")
  compopt -o nospace 2>/dev/null
}
)BASH";

std::string bash_completion_script() {
  std::vector<std::string> names = {"help"};
  std::vector<std::string> value_options;  // options followed by a value
  std::set<std::string> seen;
  auto note_values = [&](const std::vector<Option>& options) {
    for (const auto& o : options) {
      if (o.arg == Arg::Flag || !seen.insert(o.long_name()).second) continue;
      value_options.push_back("--" + o.long_name());
      if (!o.short_name().empty()) value_options.push_back("-" + o.short_name());
    }
  };
  note_values(global_options());
  for (const auto& c : commands()) {
    note_values(c.options);
    if (!c.hidden) names.push_back(c.name);
  }

  std::ostringstream s;
  s << "# bash completion for flowrun " << FLOWRUN_VERSION_STRING
    << ", written by `flowrun completion bash`.\n"
       "# Installed as share/bash-completion/completions/flowrun; for one shell:\n"
       "#   source <(flowrun completion bash)\n"
    << kHelpers << "\n"
    << "_flowrun() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" prog=\"${COMP_WORDS[0]}\"\n"
       "  local cmd=\"\" flow=\"\" w v i j npos=0\n"
       "  local -a ctx=()\n"
       "  COMPREPLY=()\n"
       "  [[ $prog == \"~/\"* ]] && prog=\"$HOME/${prog:2}\"\n"
       "  (( COMP_CWORD >= 1 )) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
       "  # bash splits --opt=value at '=' into three words.\n"
       "  if [[ $cur == \"=\" ]]; then cur=\"\"\n"
       "  elif [[ $prev == \"=\" ]] && (( COMP_CWORD >= 2 )); then prev=\"${COMP_WORDS[COMP_CWORD-2]}\"; fi\n"
       "  # Find the command and count its arguments; remember --plugin-path and --site.\n"
       "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
       "    w=\"${COMP_WORDS[i]}\"\n"
       "    case \"$w\" in\n"
       "      " << join(value_options, "|") << ")\n"
       "        j=$(( i + 1 )); [[ ${COMP_WORDS[j]} == \"=\" ]] && j=$(( j + 1 ))\n"
       "        v=\"${COMP_WORDS[j]}\"; v=\"${v/#\\~/$HOME}\"\n"
       "        if (( j < COMP_CWORD )) && [[ $w == --plugin-path || $w == --site ]]; then ctx+=(\"$w\" \"$v\"); fi\n"
       "        i=$j; continue ;;\n"
       "      -*|=) continue ;;\n"
       "    esac\n"
       "    if [[ -z $cmd ]]; then\n"
       "      case \" " << join(names) << " \" in\n"
       "        *\" $w \"*) cmd=\"$w\" ;;\n"
       "        *) cmd=run; flow=\"${w/#\\~/$HOME}\"; npos=1 ;;  # flowrun FLOW.yaml\n"
       "      esac\n"
       "    else\n"
       "      [[ -z $flow ]] && flow=\"${w/#\\~/$HOME}\"\n"
       "      npos=$(( npos + 1 ))\n"
       "    fi\n"
       "  done\n";

  // The value of an option.
  s << "  case \"$prev\" in\n";
  std::set<std::string> done;
  auto value_cases = [&](const std::vector<Option>& options) {
    for (const auto& o : options) {
      if (o.arg == Arg::Flag || !done.insert(o.long_name()).second) continue;
      s << "    --" << o.long_name();
      if (!o.short_name().empty()) s << "|-" << o.short_name();
      s << ") " << offer(o.complete) << "; return ;;\n";
    }
  };
  value_cases(global_options());
  for (const auto& c : commands()) value_cases(c.options);
  s << "  esac\n";

  // Options of the command (or the global ones before a command).
  s << "  if [[ $cur == -* ]]; then\n"
       "    case \"$cmd\" in\n";
  const std::string globals = join(option_words(global_options()));
  for (const auto& c : commands())
    if (!c.hidden)
      s << "      " << c.name << ") _flowrun_words " << globals << " "
        << join(option_words(c.options)) << " ;;\n";
  s << "      *) _flowrun_words " << globals << " ;;\n"
       "    esac\n"
       "    return\n"
       "  fi\n";

  // Positional arguments.
  s << "  if [[ -z $cmd ]]; then\n"
       "    _flowrun_words " << join(names) << "\n"
       "    _flowrun_flows\n"
       "    return\n"
       "  fi\n"
       "  case \"$cmd:$npos\" in\n"
       "    help:0) _flowrun_words " << join(std::vector<std::string>(names.begin() + 1, names.end()))
    << " ;;\n";
  for (const auto& c : commands()) {
    if (c.hidden) continue;
    for (size_t i = 0; i < c.positionals.size(); ++i)
      if (c.positionals[i].complete != Complete::None)
        s << "    " << c.name << ":" << i << ") " << offer(c.positionals[i].complete) << " ;;\n";
  }
  s << "  esac\n"
       "}\n"
       "complete -F _flowrun flowrun\n";
  return s.str();
}

}  // namespace

int cmd_completion(const Invocation& inv) {
  const std::string& shell = inv.args.at(0);
  if (shell != "bash") {
    std::cerr << "flowrun completion: no completion for shell '" << shell << "' (known: bash)\n";
    return 2;
  }
  std::cout << bash_completion_script();
  return 0;
}

// Candidates for the completion script, one per line; nothing (and exit 0)
// when they cannot be found, since a TAB must never print errors.
int cmd_complete(const Invocation& inv) {
  const std::string& what = inv.args.at(0);
  Session s(inv.session());
  s.open();  // a plugin that fails to load leaves the others usable
  if (what == "kinds") {
    for (const auto& k : s.registry().kinds()) std::cout << k << "\n";
    return 0;
  }
  if (what == "params" && inv.args.size() == 2) {
    if (!s.load_flow(inv.args[1]) && s.flow().stages.empty()) return 0;
    std::set<std::string> shown;
    for (const auto& inst : s.flow().stages) {
      if (!inst.stage) continue;
      for (const auto& p : inst.stage->spec().params)
        if (shown.insert(inst.base_name + "." + p.name).second)
          std::cout << inst.base_name << "." << p.name << "=\n";
    }
    return 0;
  }
  return 2;
}

}  // namespace flowrun
