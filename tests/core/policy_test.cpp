#include "hermetic/policy.hpp"

#include <gtest/gtest.h>

namespace hermetic {
namespace {

TEST(Profiles, MatchHermeticSeal) {
  auto all = profile("block-all");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all.value().block_network);
  EXPECT_TRUE(all.value().block_subprocess);
  EXPECT_TRUE(all.value().fs_readonly);
  EXPECT_TRUE(all.value().block_environment);
  EXPECT_TRUE(all.value().block_code_exec);
  EXPECT_TRUE(all.value().block_interpreter_mutation);
  EXPECT_TRUE(all.value().block_native);
  EXPECT_FALSE(all.value().allow_localhost);

  auto net = profile("net-hermetic");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net.value().block_network);
  EXPECT_TRUE(net.value().allow_localhost);
  EXPECT_FALSE(net.value().block_subprocess);
}

TEST(Profiles, UnknownNameIsAnErrorWithTheOriginalWording) {
  auto p = profile("nope");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "unknown profile: nope");
}

TEST(Profiles, EveryListedNameResolves) {
  for (auto name : profile_names()) EXPECT_TRUE(profile(name).ok()) << name;
}

TEST(PolicyBuilder, ComposesProfilesAndFlagsByUnion) {
  auto p = PolicyBuilder().block_subprocess().add_profile("net-hermetic").build();
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.value().block_subprocess);
  EXPECT_TRUE(p.value().block_network);
  EXPECT_TRUE(p.value().allow_localhost);
}

TEST(PolicyBuilder, UnionNeverClearsARestriction) {
  Policy strict;
  strict.block_network = true;
  const Policy open;
  EXPECT_TRUE(strict.united_with(open).block_network);
  EXPECT_TRUE(open.united_with(strict).block_network);
}

TEST(PolicyBuilder, AllowListsWithoutTheirBlockAreRefused) {
  EXPECT_FALSE(PolicyBuilder().allow_localhost().build().ok());
  EXPECT_FALSE(PolicyBuilder().allow_domain("a.test").build().ok());
  EXPECT_FALSE(PolicyBuilder().allow_write("/tmp").build().ok());
  EXPECT_FALSE(PolicyBuilder().fs_readonly().allow_read("/etc").build().ok());
  EXPECT_TRUE(PolicyBuilder().fs_root("/srv").allow_read("/etc").build().ok());
  EXPECT_FALSE(PolicyBuilder().keep_env("FOO").build().ok());
  EXPECT_TRUE(PolicyBuilder().block_environment().keep_env("FOO").build().ok());
}

TEST(PolicyBuilder, KeepEnvTakesVariableNames) {
  EXPECT_FALSE(PolicyBuilder().block_environment().keep_env("").build().ok());
  EXPECT_FALSE(PolicyBuilder().block_environment().keep_env("A=B").build().ok());
  auto p = PolicyBuilder().block_environment().keep_env("A").keep_env("A").build();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().keep_env, std::vector<std::string>{"A"});
  Policy other;
  other.keep_env = {"B"};
  EXPECT_EQ(p.value().united_with(other).keep_env, (std::vector<std::string>{"A", "B"}));
}

TEST(PolicyBuilder, RecordsTheFirstError) {
  auto p = PolicyBuilder().deny_import("bad name").add_profile("nope").build();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("bad name"), std::string::npos);
}

TEST(PolicyBuilder, NormalisesDomainsAndResolvePins) {
  auto p = PolicyBuilder()
               .block_network()
               .allow_domain("API.Example.COM.")
               .resolve("Api.Test:[::1]")
               .build();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().allow_domains, std::vector<std::string>{"api.example.com"});
  ASSERT_EQ(p.value().resolve.size(), 1U);
  EXPECT_EQ(p.value().resolve[0].name, "api.test");
  EXPECT_EQ(p.value().resolve[0].address, "::1");
  EXPECT_FALSE(PolicyBuilder().resolve("no-colon").build().ok());
}

TEST(PolicyBuilder, OneReadRootOnly) {
  EXPECT_FALSE(PolicyBuilder().fs_root("/a").fs_root("/b").build().ok());
  EXPECT_TRUE(PolicyBuilder().fs_root("/a").fs_root("/a").build().ok());
}

TEST(PolicyJson, RoundTrips) {
  auto p = PolicyBuilder()
               .block_network()
               .allow_localhost()
               .allow_domain("a.test")
               .resolve("a.test:127.0.0.2")
               .fs_root("/srv")
               .allow_write("/tmp/x")
               .deny_import("requests")
               .block_environment()
               .keep_env("FOO")
               .trace()
               .build();
  ASSERT_TRUE(p.ok());
  auto back = policy_from_json(to_json(p.value()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value(), p.value());
}

TEST(PolicyJson, RejectsUnknownFieldsAndWrongTypes) {
  EXPECT_FALSE(policy_from_json(R"({"block_netwrok": true})").ok());
  EXPECT_FALSE(policy_from_json(R"({"block_network": "yes"})").ok());
  EXPECT_FALSE(policy_from_json("[]").ok());
  EXPECT_FALSE(policy_from_json("not json").ok());
}

TEST(PolicyJson, ValidatesLikeTheBuilder) {
  EXPECT_FALSE(policy_from_json(R"({"allow_localhost": true})").ok());
}

}  // namespace
}  // namespace hermetic

// An Error is one line: user text with line breaks in it (found by tests/fuzz) is escaped.
TEST(PolicyErrors, UserTextStaysOnOneLine) {
  const auto unknown = hermetic::policy_from_json(R"({"caf\u00e9\n\u0001": true})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown policy field 'caf\xc3\xa9\\n\\x01'");
  hermetic::PolicyBuilder builder;
  builder.deny_import("bad\nname");
  const auto built = builder.build();
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().message.find('\n'), std::string::npos) << built.error().message;
}
