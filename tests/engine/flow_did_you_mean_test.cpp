// The "did you mean" helper behind every unknown-name message.
#include "did_you_mean.hpp"

#include <gtest/gtest.h>

namespace flowrun {
namespace {

TEST(DidYouMean, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(edit_distance("text", "text"), 0u);
  EXPECT_EQ(edit_distance("txet", "text"), 1u);
  EXPECT_EQ(edit_distance("stagse", "stages"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> kinds = {"demo.source", "demo.transform", "demo.concat"};
  EXPECT_EQ(did_you_mean("demo.sorce", kinds), "; did you mean 'demo.source'?");
  EXPECT_EQ(did_you_mean("DEMO.CONCAT", kinds), "; did you mean 'demo.concat'?");
  EXPECT_EQ(did_you_mean("trainer.logistic", kinds), "");
  EXPECT_EQ(did_you_mean("d", {"a", "b"}), "");
  EXPECT_EQ(closest_name("bleu", {"red", "green", "blue"}), "blue");
  EXPECT_EQ(closest_name("x", {}), "");
}

}  // namespace
}  // namespace flowrun
