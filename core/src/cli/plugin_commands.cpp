// Commands about the loaded plugins: plugins, describe.
#include "commands.hpp"

#include "did_you_mean.hpp"
#include "spec_json.hpp"

#include <iostream>

namespace flowrun {

int cmd_plugins(const Invocation& inv) {
  Session s(inv.session());
  const bool ok = s.open();
  if (inv.flag("json")) {
    json list = json::array();
    for (const auto& p : s.registry().plugins())
      list.push_back({{"name", p.name}, {"file", p.file.string()}, {"flowrun_version", p.version},
                      {"load_seconds", p.load_seconds}, {"kinds", p.kinds}});
    json out = {{"plugins", list}, {"errors", s.errors()}};
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& p : s.registry().plugins()) {
      std::cout << p.name << "  " << p.file.string() << "\n";
      for (const auto& k : p.kinds)
        std::cout << "  " << k << "  " << s.registry().find(k)->spec().summary << "\n";
    }
  }
  return ok ? 0 : print_errors(s);
}

int cmd_describe(const Invocation& inv) {
  Session s(inv.session());
  if (!s.open()) return print_errors(s);
  const std::string& kind = inv.args.at(0);
  const Stage* st = s.registry().find(kind);
  if (!st) {
    std::cerr << "flowrun describe: unknown stage kind '" << kind << "'"
              << did_you_mean(kind, s.registry().kinds())
              << " (flowrun plugins lists the known kinds)\n";
    return 2;
  }
  if (inv.flag("json")) std::cout << spec_to_json(st->spec()).dump(2) << "\n";
  else print_spec(std::cout, st->spec());
  return 0;
}

}  // namespace flowrun
