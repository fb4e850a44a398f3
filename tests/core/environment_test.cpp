#include "environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace hermetic::environment {
namespace {

bool contains(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

const std::vector<std::string> kCaller{"PATH=/usr/bin", "AWS_SECRET_ACCESS_KEY=s3cr3t",
                                       "LC_ALL=C.UTF-8", "HERMETIC_POLICY={}", "TMPDIR=/tmp"};

TEST(Environment, PassesEverythingWithoutTheFlag) {
  EXPECT_EQ(for_target(Policy{}, kCaller, {}), kCaller);
}

TEST(Environment, ScrubKeepsOnlyWhatProgramsNeed) {
  Policy p;
  p.block_environment = true;
  const auto env = for_target(p, kCaller, {});
  EXPECT_TRUE(contains(env, "PATH=/usr/bin"));
  EXPECT_TRUE(contains(env, "LC_ALL=C.UTF-8"));
  EXPECT_FALSE(contains(env, "HERMETIC_POLICY={}"));  // only hermetic's overrides set these
  EXPECT_FALSE(contains(env, "AWS_SECRET_ACCESS_KEY=s3cr3t"));
  EXPECT_FALSE(contains(env, "TMPDIR=/tmp"));
}

TEST(Environment, OverridesReplaceTheCallersValue) {
  const auto env = for_target(Policy{}, kCaller, {"TMPDIR=/run/private"});
  EXPECT_TRUE(contains(env, "TMPDIR=/run/private"));
  EXPECT_FALSE(contains(env, "TMPDIR=/tmp"));
  EXPECT_EQ(std::count_if(env.begin(), env.end(),
                          [](const std::string& e) { return e.starts_with("TMPDIR="); }),
            1);
}

}  // namespace
}  // namespace hermetic::environment
