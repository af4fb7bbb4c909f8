#include "verilog_text.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace flowrun::decoder {
namespace {

TEST(VerilogText, SanitizesIdentifiers) {
  EXPECT_EQ(sanitize_identifier("logistic_decoder"), "logistic_decoder");
  EXPECT_EQ(sanitize_identifier("my decoder-v2"), "my_decoder_v2");
  EXPECT_EQ(sanitize_identifier("2fast"), "m_2fast");
  EXPECT_EQ(sanitize_identifier(""), "m_");
  EXPECT_EQ(sanitize_identifier("module"), "module_");
  EXPECT_EQ(sanitize_identifier("logic"), "logic_");
  EXPECT_EQ(sanitize_identifier("$x"), "_x");
}

TEST(VerilogText, SignedHexLiterals) {
  EXPECT_EQ(hex_literal(-123, 16), "16'shff85");
  EXPECT_EQ(hex_literal(291, 16), "16'sh0123");
  EXPECT_EQ(hex_literal(-32768, 16), "16'sh8000");
  EXPECT_EQ(hex_literal(-1, 6), "6'sh3f");
  EXPECT_EQ(hex_literal(-5, 48), "48'shfffffffffffb");
  EXPECT_THROW(hex_literal(32768, 16), std::invalid_argument);
  EXPECT_EQ(hex_digits(-1, 64), "ffffffffffffffff");
  EXPECT_EQ(hex_digits(-2, 5), "1e");
}

}  // namespace
}  // namespace flowrun::decoder
