// Helpers of the reader limit tests (reader_limits_test.cpp,
// cnn_reader_limits_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace flowrun::fuzz {

// The message of the Error that f throws; fails the test when none.
template <class Error>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace flowrun::fuzz

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)
