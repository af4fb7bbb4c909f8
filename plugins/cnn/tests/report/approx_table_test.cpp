// cnn.approx_table: instances matched by matrix coordinates, sorted by the
// coordinate's value, the after columns optional, a missing report named.
#include "../data/fake_context.hpp"
#include "../data/test_util.hpp"

#include <flowrun/plugin.hpp>

#include <gtest/gtest.h>

#include <fstream>

namespace flowrun::cnn {
namespace {

// The engine's view of many-input ports: files with the producing instances.
class SweepContext : public test::FakeContext {
 public:
  using FakeContext::FakeContext;
  std::map<std::string, std::vector<std::pair<std::string, fs::path>>> many;
  bool has_input(const std::string& port) const override { return many.count(port) > 0; }
  std::vector<fs::path> inputs(const std::string& port) const override {
    std::vector<fs::path> r;
    for (const auto& [src, file] : many.at(port)) r.push_back(file);
    return r;
  }
  std::vector<std::string> input_sources(const std::string& port) const override {
    std::vector<std::string> r;
    for (const auto& [src, file] : many.at(port)) r.push_back(src);
    return r;
  }
};

const Stage& stage() {
  for (const auto& s : detail::plugin_registry())
    if (s->spec().kind == "cnn.approx_table") return *s;
  throw std::runtime_error("cnn.approx_table not registered");
}

fs::path write_json(const fs::path& file, const json& j) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << j.dump();
  return file;
}

TEST(ApproxTable, JoinsCostErrorAndAccuracyPerInstance) {
  const auto dir = test::temp_dir();
  SweepContext ctx(stage().spec(), dir / "out");
  for (const char* eps : {"0.1", "0.02"}) {  // given out of order
    const std::string k = std::string("[eps_end=") + eps + "]";
    const double e = std::stod(eps);
    ctx.many["ga"].push_back({"ga" + k, write_json(dir / ("ga" + k) / "metrics.json",
                                                   {{"transistors", 1000 / e / 100}, {"transistor_ratio", e},
                                                    {"cost_ratio", e}, {"er", 0.99}, {"nmed", e / 10},
                                                    {"wce", e}})});
    ctx.many["before"].push_back({"eval" + k, write_json(dir / ("eval" + k) / "eval.json",
                                                         {{"accuracy", 0.5}, {"exact_accuracy", 0.9},
                                                          {"images", 100}})});
    ctx.many["after"].push_back({"eval_after" + k, write_json(dir / ("after" + k) / "eval.json",
                                                              {{"accuracy", 0.898}, {"images", 100}})});
  }
  stage().run(ctx);
  const std::string csv = test::read_bytes(dir / "out/table.csv");
  const auto first = csv.find("\"ga[eps_end=0.02]\""), second = csv.find("\"ga[eps_end=0.1]\"");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second) << "rows sorted by eps_end";
  EXPECT_NE(csv.find("\"ga[eps_end=0.02]\",0.02,500,0.02,0.02,0.99,0.002,0.02,,0.9,0.5,0.898,"), std::string::npos)
      << csv;
  EXPECT_EQ(ctx.metrics["instances"], 2);
  EXPECT_EQ(ctx.metrics["best_after_ratio"], 0.02);  // both within 0.5 points of exact: the cheaper
  EXPECT_NE(test::read_bytes(dir / "out/table.md").find("| eps_end=0.1 | 100 | 0.100 | 99.0% |"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "out/plots/accuracy.json"));

  // Without fine-tuning: the after columns stay empty.
  SweepContext plain(stage().spec(), dir / "plain");
  plain.many = {{"ga", ctx.many["ga"]}, {"before", ctx.many["before"]}};
  stage().run(plain);
  EXPECT_NE(test::read_bytes(dir / "plain/table.csv").find(",0.9,0.5,,"), std::string::npos);

  // An instance without its evaluation is named.
  SweepContext bad(stage().spec(), dir / "bad");
  bad.many = {{"ga", ctx.many["ga"]}, {"before", {ctx.many["before"][0]}}};
  try {
    stage().run(bad);
    FAIL() << "accepted a multiplier without its evaluation";
  } catch (const StageError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing for ga[eps_end=0.02]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flowrun::cnn
