// The cache folder's size limit: least-recently-used eviction, removal of
// temporaries left by killed processes, `flowrun cache size|prune|clear`,
// and the plugin's code hash in every cache key.
#include "cache.hpp"
#include "cli_helpers.hpp"
#include "code_identity.hpp"
#include "hashing.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

std::string key_of(int i) { return sha256_hex("entry " + std::to_string(i)); }

class CacheLimit : public TempDirTest {
 protected:
  fs::path cache_dir() { return dir_ / "cache"; }
  // An entry of `bytes` bytes last used `age` ago.
  fs::path add_entry(int i, std::uint64_t bytes, std::chrono::seconds age) {
    const std::string key = key_of(i);
    const fs::path e = cache_dir() / key.substr(0, 2) / key;
    write_text(e / "out/data.bin", std::string(bytes, 'x'));
    write_text(e / "manifest.json", json{{"status", "ok"}, {"bytes", bytes}}.dump());
    fs::last_write_time(e, fs::file_time_type::clock::now() - age);
    return e;
  }
};

TEST(CacheSize, ParsesSizesAndRejectsNonsense) {
  EXPECT_EQ(parse_byte_size("1024"), 1024u);
  EXPECT_EQ(parse_byte_size("64k"), 64u * 1024);
  EXPECT_EQ(parse_byte_size("500M"), 500ull << 20);
  EXPECT_EQ(parse_byte_size("20G"), 20ull << 30);
  EXPECT_EQ(parse_byte_size("1.5 GiB"), 3ull << 29);
  EXPECT_EQ(parse_byte_size("unlimited"), 0u);
  for (const char* bad : {"", "lots", "-3G", "12X", "1e30"}) {
    try {
      parse_byte_size(bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("is not a size"), std::string::npos);
    }
  }
}

TEST_F(CacheLimit, PruneEvictsLeastRecentlyUsedEntriesFirst) {
  using std::chrono::hours;
  const fs::path oldest = add_entry(1, 4000, hours(30));
  const fs::path old = add_entry(2, 4000, hours(20));
  const fs::path recent = add_entry(3, 4000, hours(10));
  const fs::path newest = add_entry(4, 4000, hours(0));
  const Cache cache(cache_dir(), true, 0);
  EXPECT_EQ(cache.stats().entries, 4u);
  EXPECT_EQ(cache.stats().bytes, 16000u);
  const PruneResult r = cache.prune(9000);
  EXPECT_EQ(r.evicted, 2u);
  EXPECT_EQ(r.evicted_bytes, 8000u);
  EXPECT_FALSE(fs::exists(oldest));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(recent / "manifest.json"));
  EXPECT_TRUE(fs::exists(newest / "manifest.json"));
  EXPECT_EQ(r.after.bytes, 8000u);
  EXPECT_EQ(cache.prune(0).evicted, 0u);  // 0: no limit
}

TEST_F(CacheLimit, PruneRemovesOldTemporariesButNotThoseOfRunningStores) {
  add_entry(1, 100, std::chrono::seconds(0));
  const std::string k = key_of(2);
  const fs::path stale = cache_dir() / k.substr(0, 2) / (k + ".tmp.4242");
  const fs::path live = cache_dir() / k.substr(0, 2) / (k + ".tmp.4343");
  write_text(stale / "out/half.bin", "half");
  write_text(live / "out/half.bin", "half");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  // An entry folder without a manifest is unfinished, whatever its name.
  const std::string k3 = key_of(3);
  write_text(cache_dir() / k3.substr(0, 2) / k3 / "out/x", "x");
  fs::last_write_time(cache_dir() / k3.substr(0, 2) / k3,
                      fs::file_time_type::clock::now() - std::chrono::hours(2));
  const Cache cache(cache_dir(), true, 0);
  EXPECT_EQ(cache.stats().temporaries, 3u);
  const PruneResult r = cache.prune(0);
  EXPECT_EQ(r.temporaries_removed, 2u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_EQ(r.after.entries, 1u);
}

TEST_F(CacheLimit, ClearRemovesEntriesAndNothingElse) {
  add_entry(1, 10, std::chrono::seconds(0));
  add_entry(2, 10, std::chrono::seconds(0));
  write_text(cache_dir() / "notes.txt", "mine");
  write_text(cache_dir() / "ab" / "not-a-key.txt", "mine too");
  const CacheStats removed = Cache(cache_dir(), true).clear();
  EXPECT_EQ(removed.entries, 2u);
  EXPECT_EQ(read_text(cache_dir() / "notes.txt"), "mine");
  EXPECT_EQ(read_text(cache_dir() / "ab" / "not-a-key.txt"), "mine too");
  EXPECT_EQ(Cache(cache_dir(), true).stats().entries, 0u);
}

std::string three_sources() {
  std::string f = "name: three\nplugins: [" + plugin("demo") + "]\nstages:\n";
  for (int i = 1; i <= 3; ++i)
    f += "  s" + std::to_string(i) + ":\n    uses: demo.source\n    with: {text: source" +
         std::to_string(i) + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, lines: 1000}\n";
  return f;
}

TEST_F(CacheLimit, RunsKeepTheCacheUnderItsLimitAndKeepRecentlyUsedResults) {
  // Each source writes ~58 kB; the limit holds two of them.
  write_text(dir_ / "site.yaml", "cache_max_size: 120k\n");
  write_text(dir_ / "flow.yaml", three_sources());
  auto r = run((dir_ / "flow.yaml").string(), {"--site", (dir_ / "site.yaml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto size = run_flowrun({"cache", "size", "--json", "--cache-dir", cache_dir().string(), "--site",
                           (dir_ / "site.yaml").string()},
                          dir_);
  ASSERT_EQ(size.exit_code, 0) << size.output;
  const json st = json::parse(size.output);
  EXPECT_EQ(st["entries"], 2);
  EXPECT_LE(st["bytes"].get<std::uint64_t>(), 120u * 1024);
  EXPECT_EQ(st["max_bytes"], 120u * 1024);

  // The environment overrides the site; prune trims to it.
  ::setenv("FLOWRUN_CACHE_MAX_SIZE", "70k", 1);
  auto pruned = run_flowrun({"cache", "prune", "--cache-dir", cache_dir().string()}, dir_);
  ::unsetenv("FLOWRUN_CACHE_MAX_SIZE");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_NE(pruned.output.find("evicted 1 least recently used"), std::string::npos) << pruned.output;
  EXPECT_EQ(Cache(cache_dir(), true).stats().entries, 1u);

  auto cleared = run_flowrun({"cache", "clear", "--cache-dir", cache_dir().string()}, dir_);
  ASSERT_EQ(cleared.exit_code, 0) << cleared.output;
  EXPECT_EQ(Cache(cache_dir(), true).stats().entries, 0u);

  auto bad = run_flowrun({"cache", "prune", "--max-size", "lots", "--cache-dir", cache_dir().string()}, dir_);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("'lots' is not a size"), std::string::npos) << bad.output;
}

TEST_F(CacheLimit, EveryCacheKeyHoldsTheContentHashOfThePluginLibrary) {
  write_text(dir_ / "flow.yaml", three_sources());
  auto r = run((dir_ / "flow.yaml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json m = read_json(dir_ / "run/s1/manifest.json");
  EXPECT_EQ(m["key_material"]["code"], sha256_path(plugin("demo")));
  EXPECT_EQ(m["cache_key"], sha256_hex(m["key_material"].dump()));

  // The same plugin rebuilt with different code (here: one extra byte at the
  // end of a copy of the library) gives different keys, so nothing is reused.
  fs::create_directories(dir_ / "changed");
  fs::copy_file(plugin("demo"), dir_ / "changed/libflowrun_demo.so");
  {
    std::ofstream(dir_ / "changed/libflowrun_demo.so", std::ios::app | std::ios::binary) << '\n';
  }
  std::string flow = three_sources();
  flow.replace(flow.find(plugin("demo")), plugin("demo").size(),
               (dir_ / "changed/libflowrun_demo.so").string());
  write_text(dir_ / "flow2.yaml", flow);
  auto again = run((dir_ / "flow2.yaml").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(report()["stages"]["s1"]["status"], "ok");  // ran again, not cached
  EXPECT_NE(read_json(dir_ / "run/s1/manifest.json")["cache_key"], m["cache_key"]);
}

}  // namespace
