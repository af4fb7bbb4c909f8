// Where the site configuration comes from, and what it provides.
#include "site_config.hpp"

#include "cli_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class Site : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    for (const char* v : {"FLOWRUN_SITE", "XDG_CONFIG_HOME", "HOME"}) {
      const char* old = std::getenv(v);
      saved_.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    }
    ::unsetenv("FLOWRUN_SITE");
    ::setenv("XDG_CONFIG_HOME", (dir_ / "xdg").c_str(), 1);
  }
  void TearDown() override {
    for (const auto& [k, v] : saved_)
      if (v) ::setenv(k.c_str(), v->c_str(), 1);
      else ::unsetenv(k.c_str());
    TempDirTest::TearDown();
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(Site, SearchOrderIsFlagThenEnvironmentThenUserDir) {
  write_text(dir_ / "xdg/flowrun/site.yaml", "executor: isolate\n");
  write_text(dir_ / "env.yaml", "executor: local\n");
  write_text(dir_ / "flag.yaml", "executor: local\n");
  EXPECT_EQ(find_site_config({}), dir_ / "xdg/flowrun/site.yaml");
  ::setenv("FLOWRUN_SITE", (dir_ / "env.yaml").c_str(), 1);
  EXPECT_EQ(find_site_config({}), dir_ / "env.yaml");
  EXPECT_EQ(find_site_config(dir_ / "flag.yaml"), dir_ / "flag.yaml");
}

TEST_F(Site, DefaultsNameTheBundledCellLibrary) {
  SiteConfig s = load_site_config({});
  EXPECT_TRUE(s.file.empty());
  EXPECT_EQ(s.executor, "local");
  auto vars = s.builtin_vars();
  EXPECT_NE(vars["site.cell_library"].find("cells/flowrun_cells.lib"), std::string::npos);
  EXPECT_NE(vars["site.cell_verilog"].find("cells/flowrun_cells.v"), std::string::npos);
  EXPECT_FALSE(vars["flowrun.share"].empty());
}

TEST_F(Site, FileValuesResolveRelativeToTheFile) {
  write_text(dir_ / "conf/site.yaml",
             "tools: {yosys: bin/yosys}\nplugin_paths: [plugins]\ncell_library: pdk/x.lib\n"
             "executor: isolate\nlicense_server: 27000@lic\n");
  SiteConfig s = load_site_config(dir_ / "conf/site.yaml");
  EXPECT_EQ(s.tools.at("yosys"), (dir_ / "conf/bin/yosys").string());
  ASSERT_EQ(s.plugin_paths.size(), 1u);
  EXPECT_EQ(s.plugin_paths[0], dir_ / "conf/plugins");
  EXPECT_EQ(s.value("cell_library"), (dir_ / "conf/pdk/x.lib").string());
  EXPECT_EQ(s.executor, "isolate");
  EXPECT_EQ(s.value("license_server"), "27000@lic");
  EXPECT_EQ(s.builtin_vars()["site.license_server"], "27000@lic");
}

TEST_F(Site, ErrorsNameFileLineAndColumn) {
  write_text(dir_ / "bad.yaml", "executor: local\nplugin_paths: notalist\n");
  try {
    load_site_config(dir_ / "bad.yaml");
    FAIL() << "expected an error";
  } catch (const SiteConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:2:15: error: plugin_paths: expected a list"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_site_config(dir_ / "absent.yaml"), SiteConfigError);
  write_text(dir_ / "syntax.yaml", "tools: {yosys: [\n");
  EXPECT_THROW(load_site_config(dir_ / "syntax.yaml"), SiteConfigError);
}

TEST_F(Site, AliasBombIsRefusedBeforeExpansion) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  write_text(dir_ / "bomb.yaml", text);
  try {
    load_site_config(dir_ / "bomb.yaml");
    FAIL() << "expected an error";
  } catch (const SiteConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bomb.yaml:6:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("once its aliases are expanded"), std::string::npos) << e.what();
  }
}

}  // namespace
