#include "launch/environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace hermetic::environment {
namespace {

bool contains(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

const std::vector<std::string> kCaller{"PATH=/usr/bin",  "AWS_SECRET_ACCESS_KEY=s3cr3t",
                                       "LC_ALL=C.UTF-8", "HERMETIC_POLICY={}",
                                       "TMPDIR=/tmp",    "AWS_PROFILE=dev"};

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
  EXPECT_TRUE(contains(env, "TMPDIR=/tmp"));  // where temporary files go: the caller's choice
  EXPECT_FALSE(contains(env, "AWS_PROFILE=dev"));
}

TEST(Environment, OnlyRealLocaleCategoriesAreKept) {
  Policy p;
  p.block_environment = true;
  const auto env = for_target(
      p, {"LC_MESSAGES=C", "LC_API_TOKEN=s3cr3t", "LC_TERMINAL=iTerm2", "LANGUAGE=de"}, {});
  EXPECT_EQ(env, (std::vector<std::string>{"LC_MESSAGES=C", "LANGUAGE=de"}));
}

TEST(Environment, KeepEnvPassesTheNamedVariables) {
  Policy p;
  p.block_environment = true;
  p.keep_env = {"TMPDIR", "AWS_PROFILE"};
  const auto env = for_target(p, kCaller, {});
  EXPECT_TRUE(contains(env, "AWS_PROFILE=dev"));
  EXPECT_FALSE(contains(env, "AWS_SECRET_ACCESS_KEY=s3cr3t"));  // a name is not a prefix
  EXPECT_TRUE(passes(p, "AWS_PROFILE"));
  EXPECT_FALSE(passes(p, "AWS"));
  EXPECT_TRUE(passes(Policy{}, "AWS"));  // without the flag everything passes
  const auto names = passing_names(p);
  EXPECT_EQ(names.back(), "AWS_PROFILE");
  EXPECT_TRUE(passing_names(Policy{}).empty());
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
