// Bad-input assertions shared by the test binaries: an error must name the file and the reason.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace echoelml::test {

/// Expects `f` to throw E whose message names `file` and contains `reason`.
template <typename E, typename F>
void expect_error(F&& f, const std::filesystem::path& file, const std::string& reason) {
  try {
    f();
    ADD_FAILURE() << "no exception for " << file;
  } catch (const E& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
  }
}

}  // namespace echoelml::test
