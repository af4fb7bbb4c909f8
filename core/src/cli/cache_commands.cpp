// flowrun cache size | prune | clear: the result cache folder
// (core/src/cache/cache.hpp) seen and trimmed from the command line.
#include "cache.hpp"
#include "commands.hpp"
#include "site_config.hpp"

#include <iostream>

namespace flowrun {

int cmd_cache(const Invocation& inv) {
  const std::string action = inv.args.empty() ? "" : inv.args[0];
  if (action != "size" && action != "prune" && action != "clear") {
    std::cerr << "flowrun cache: unknown action '" << action << "' (expected size, prune or clear)\n";
    return 2;
  }
  // Only the site configuration matters here: no plugins are loaded.
  SiteConfig site;
  std::uint64_t limit = 0;
  try {
    site = load_site_config(inv.session().site_file);
    const std::string given = inv.text("max-size");
    limit = given.empty() ? cache_max_bytes(site) : parse_byte_size(given);
  } catch (const std::exception& e) {
    std::cerr << "flowrun cache: " << e.what() << "\n";
    return 2;
  }
  const std::string dir_opt = inv.text("cache-dir");
  const fs::path dir = dir_opt.empty() ? site.cache_dir : fs::absolute(dir_opt);
  const Cache cache(dir, true, limit);
  const std::string limit_text = limit == 0 ? "no limit" : "limit " + format_byte_size(limit);

  if (action == "size") {
    const CacheStats st = cache.stats();
    if (inv.flag("json")) {
      std::cout << json{{"dir", dir.string()}, {"entries", st.entries}, {"bytes", st.bytes},
                        {"max_bytes", limit}, {"temporaries", st.temporaries},
                        {"temporary_bytes", st.temporary_bytes}}.dump(2)
                << "\n";
    } else {
      std::cout << dir.string() << ": " << st.entries << " entries, " << format_byte_size(st.bytes)
                << " (" << st.bytes << " bytes; " << limit_text << ")";
      if (st.temporaries)
        std::cout << ", " << st.temporaries << " unfinished temporaries ("
                  << format_byte_size(st.temporary_bytes) << ")";
      std::cout << "\n";
    }
    return 0;
  }
  if (action == "prune") {
    const PruneResult r = cache.prune(limit);
    std::cout << dir.string() << ": evicted " << r.evicted << " least recently used entries ("
              << format_byte_size(r.evicted_bytes) << "), removed " << r.temporaries_removed
              << " stale temporaries; now " << r.after.entries << " entries, "
              << format_byte_size(r.after.bytes) << " (" << limit_text << ")\n";
    return 0;
  }
  const CacheStats removed = cache.clear();
  std::cout << dir.string() << ": removed " << removed.entries << " entries ("
            << format_byte_size(removed.bytes) << ") and " << removed.temporaries
            << " temporaries\n";
  return 0;
}

}  // namespace flowrun
