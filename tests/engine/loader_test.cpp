// The plugin loader refuses broken libraries with one message naming the file.
#include "cli_helpers.hpp"
#include "registry.hpp"

#include <flowrun/version.hpp>

#include <gtest/gtest.h>

using namespace flowrun;
using flowrun::testing::plugin;

namespace {

std::string load_error(Registry& r, const fs::path& file) {
  try {
    r.load(file);
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

TEST(Loader, LoadsDemoPluginAndItsKinds) {
  Registry r;
  const PluginRecord& rec = r.load(plugin("demo"));
  EXPECT_EQ(rec.name, "demo");
  EXPECT_NE(r.find("demo.source"), nullptr);
  EXPECT_EQ(r.find("demo.source")->spec().kind, "demo.source");
  EXPECT_EQ(r.provider("demo.source"), fs::canonical(plugin("demo")));
  // Loading the same file again is harmless.
  EXPECT_NO_THROW(r.load(plugin("demo")));
  EXPECT_EQ(r.plugins().size(), 1u);
}

TEST(Loader, RejectsAbiMismatchNamingFileAndVersions) {
  Registry r;
  std::string e = load_error(r, plugin("bad_abi"));
  EXPECT_NE(e.find("libflowrun_bad_abi.so"), std::string::npos) << e;
  EXPECT_NE(e.find("ABI " + std::to_string(FLOWRUN_ABI_VERSION + 41)), std::string::npos) << e;
  EXPECT_NE(e.find("rebuild"), std::string::npos) << e;
  EXPECT_TRUE(r.kinds().empty());
}

TEST(Loader, RejectsMissingFactory) {
  Registry r;
  std::string e = load_error(r, plugin("no_factory"));
  EXPECT_NE(e.find("libflowrun_no_factory.so"), std::string::npos) << e;
  EXPECT_NE(e.find("flowrun_plugin_stages"), std::string::npos) << e;
}

TEST(Loader, RejectsLibraryWithoutPluginRecord) {
  Registry r;
  std::string e = load_error(r, plugin("not_a_plugin"));
  EXPECT_NE(e.find("libflowrun_not_a_plugin.so"), std::string::npos) << e;
  EXPECT_NE(e.find("not a flowrun plugin"), std::string::npos) << e;
}

TEST(Loader, RejectsFileThatIsNotASharedLibrary) {
  const fs::path bogus = fs::temp_directory_path() / ("libbogus-" + std::to_string(::getpid()) + ".so");
  flowrun::testing::write_text(bogus, "this is not ELF\n");
  Registry r;
  std::string e = load_error(r, bogus);
  fs::remove(bogus);
  EXPECT_NE(e.find(bogus.filename().string()), std::string::npos) << e;
  EXPECT_NE(e.find("cannot load"), std::string::npos) << e;
}

TEST(Loader, RejectsDuplicateKindNamingBothFiles) {
  Registry r;
  r.load(plugin("demo"));
  std::string e = load_error(r, plugin("duplicate_kind"));
  EXPECT_NE(e.find("demo.source"), std::string::npos) << e;
  EXPECT_NE(e.find("libflowrun_demo.so"), std::string::npos) << e;
  EXPECT_NE(e.find("libflowrun_duplicate_kind.so"), std::string::npos) << e;
  // The first provider stays in charge.
  EXPECT_EQ(r.provider("demo.source"), fs::canonical(plugin("demo")));
}

TEST(Loader, CommandLineReportsBrokenPluginWithExitCode2) {
  auto r = flowrun::testing::run_flowrun({"plugins", "--plugin-path", plugin("bad_abi")},
                                         fs::temp_directory_path());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("libflowrun_bad_abi.so"), std::string::npos) << r.output;
}

}  // namespace
