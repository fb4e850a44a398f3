// Policy files: every error names the file, the line and the key; what parses means what the
// same flags mean.
#include "hermetic/policy_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace hermetic {
namespace {

Result<LoadedPolicy> parse(std::string_view text, std::string_view name = "",
                           const std::string& file = "/proj/hermetic.toml") {
  return parse_policy_file(text, file, name, /*check_paths=*/false);
}

// The error of `text`, which must be one.
std::string error_of(std::string_view text, std::string_view name = "",
                     const std::string& file = "/proj/hermetic.toml") {
  auto loaded = parse(text, name, file);
  EXPECT_FALSE(loaded.ok()) << text;
  return loaded.ok() ? "" : loaded.error().message;
}

TEST(PolicyFile, OnePolicyIsTheDefaultAndPathsAreTheFilesDirectorys) {
  auto loaded = parse(
      "[policies.ci]\n"
      "block_network = true\nallow_localhost = true\nfs_readonly = true\n"
      "allow_write = [\"build\", \"/abs\"]\nfs_root = \".\"\nallow_read = [\"../shared\"]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.value().name, "ci");
  EXPECT_EQ(loaded.value().file, "/proj/hermetic.toml");
  const Policy& p = loaded.value().policy;
  EXPECT_TRUE(p.block_network && p.allow_localhost && p.fs_readonly);
  EXPECT_EQ(p.allow_write, (std::vector<std::string>{"/proj/build", "/abs"}));
  EXPECT_EQ(p.fs_root, "/proj/.");
  EXPECT_EQ(p.allow_read, (std::vector<std::string>{"/proj/../shared"}));
}

TEST(PolicyFile, AProgramNameStaysANameAndAProgramPathIsTheFilesDirectorys) {
  auto loaded = parse(
      "[policies.a]\nblock_subprocess = true\n"
      "allow_exec = [\"git\", \"./tools/gen\", \"/usr/lib/git-core\"]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.value().policy.allow_exec,
            (std::vector<std::string>{"git", "/proj/./tools/gen", "/usr/lib/git-core"}));
  EXPECT_NE(error_of("[policies.a]\nallow_exec = [\"git\"]\n")
                .find("hermetic.toml:2: policies.a.allow_exec: an exception to block_subprocess"),
            std::string::npos);
}

TEST(PolicyFile, TildeIsHome) {
  ASSERT_EQ(::setenv("HOME", "/home/someone", 1), 0);
  auto loaded = parse("[policies.a]\nfs_readonly = true\nallow_write = [\"~/.cache\"]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.value().policy.allow_write, (std::vector<std::string>{"/home/someone/.cache"}));
}

TEST(PolicyFile, DefaultExtendsAndProfilesCompose) {
  const char* text =
      "default = \"ci\"\n"
      "[policies.base]\nblock_subprocess = true\nresolve = [\"api.test:127.0.0.1\"]\n"
      "[policies.ci]\nextends = \"base\"\nprofiles = [\"net-hermetic\"]\n"
      "deny_imports = [\"ctypes\"]\n";
  auto loaded = parse(text);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.value().name, "ci");
  const Policy& p = loaded.value().policy;
  EXPECT_TRUE(p.block_subprocess && p.block_network && p.allow_localhost);
  EXPECT_EQ(p.deny_imports, (std::vector<std::string>{"ctypes"}));
  ASSERT_EQ(p.resolve.size(), 1U);
  EXPECT_EQ(p.resolve.front().address, "127.0.0.1");
  EXPECT_FALSE(parse(text, "base").value().policy.block_network);
}

TEST(PolicyFile, PyprojectKeepsItUnderToolHermetic) {
  const std::string file = "/proj/pyproject.toml";
  auto loaded = parse(
      "[project]\nname = \"x\"\n[tool.hermetic.policies.tests]\nblock_network = true\n", "", file);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(loaded.value().policy.block_network);
  EXPECT_EQ(error_of("[project]\nname = \"x\"\n", "", file),
            "/proj/pyproject.toml: no [tool.hermetic] table");
  EXPECT_EQ(error_of("[tool.hermetic.policies.t]\nno_network = true\n", "", file),
            "/proj/pyproject.toml:2: tool.hermetic.policies.t.no_network: unknown key (the "
            "policy key is block_network)");
}

TEST(PolicyFile, SyntaxErrorsNameFileAndLine) {
  const auto message = error_of("[policies.a]\nblock_network = tru\n");
  EXPECT_TRUE(message.starts_with("/proj/hermetic.toml:2: ")) << message;
}

TEST(PolicyFile, OnlyPrintableAsciiReachesTheParser) {
  // Bytes toml++ 3.3 misparses (found by tests/fuzz/fuzz_policy_file) stop at their line.
  using std::string_literals::operator""s;
  EXPECT_EQ(error_of("[policies.a]\nblock_network = true\nallow\xef\xbb\xbdx = true\n"),
            "/proj/hermetic.toml:3: a byte that is not printable ASCII (write other characters "
            "in quoted strings as \\uXXXX)");
  EXPECT_EQ(error_of("[policies.a\0]\n"s),
            "/proj/hermetic.toml:1: a byte that is not printable ASCII (write other characters "
            "in quoted strings as \\uXXXX)");
  EXPECT_TRUE(
      parse("[policies.a]\nfs_readonly = true\nallow_write = [\"/d\\u00e9j\\u00e0\"]\n").ok());
}

TEST(PolicyFile, UnknownKeysNameLineAndKey) {
  EXPECT_EQ(error_of("[policies.a]\nblock_network = true\nallow_domain = [\"x\"]\n"),
            "/proj/hermetic.toml:3: policies.a.allow_domain: unknown key (did you mean "
            "allow_domains?)");
  EXPECT_EQ(error_of("[policies.a]\n\nnetwork = false\n"),
            "/proj/hermetic.toml:3: policies.a.network: unknown key (keys: the fields of "
            "docs/policy.md, profiles, extends)");
  EXPECT_EQ(error_of("verbose = true\n[policies.a]\n"),
            "/proj/hermetic.toml:1: verbose: unknown key (a policy file has `default` and "
            "[policies.NAME])");
}

TEST(PolicyFile, WrongTypesNameLineAndKey) {
  EXPECT_EQ(error_of("[policies.a]\nblock_network = \"yes\"\n"),
            "/proj/hermetic.toml:2: policies.a.block_network: expected true or false");
  EXPECT_EQ(error_of("[policies.a]\nblock_network = true\nallow_domains = \"a.test\"\n"),
            "/proj/hermetic.toml:3: policies.a.allow_domains: expected a list of strings");
  EXPECT_EQ(error_of("[policies.a]\nblock_network = true\nallow_domains = [\n  \"a\",\n  1,\n]\n"),
            "/proj/hermetic.toml:5: policies.a.allow_domains: expected a list of strings");
  EXPECT_EQ(error_of("[policies.a]\nfs_root = [\"/\"]\n"),
            "/proj/hermetic.toml:2: policies.a.fs_root: expected a path");
  EXPECT_EQ(error_of("[policies.a]\nextends = 3\n"),
            "/proj/hermetic.toml:2: policies.a.extends: expected a policy name");
  EXPECT_EQ(error_of("default = 1\n[policies.a]\n"),
            "/proj/hermetic.toml:1: default: expected a policy name");
}

TEST(PolicyFile, BadValuesNameLineAndKey) {
  EXPECT_EQ(error_of("[policies.a]\nblock_network = true\nallow_domains = [\"a b\"]\n"),
            "/proj/hermetic.toml:3: policies.a.allow_domains: invalid value 'a b'");
  EXPECT_EQ(error_of("[policies.a]\ndeny_imports = [\"1.\"]\n"),
            "/proj/hermetic.toml:2: policies.a.deny_imports: invalid value '1.'");
  EXPECT_EQ(error_of("[policies.a]\nresolve = [\"nocolon\"]\n"),
            "/proj/hermetic.toml:2: policies.a.resolve: invalid value 'nocolon'");
  EXPECT_EQ(error_of("[policies.a]\nfs_readonly = true\nallow_write = [\"\"]\n"),
            "/proj/hermetic.toml:3: policies.a.allow_write: an empty path");
  EXPECT_EQ(error_of("[policies.a]\nprofiles = [\"net-tight\"]\n"),
            "/proj/hermetic.toml:2: policies.a.profiles: unknown profile: net-tight");
}

TEST(PolicyFile, MissingPathsNameLineAndKey) {
  auto loaded =
      parse_policy_file("[policies.a]\nfs_readonly = true\nallow_write = [\"/no/such/dir-xyz\"]\n",
                        "/proj/hermetic.toml", "", /*check_paths=*/true);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message,
            "/proj/hermetic.toml:3: policies.a.allow_write: no such path: /no/such/dir-xyz");
}

TEST(PolicyFile, MeaninglessCombinationsNameLineAndKey) {
  EXPECT_EQ(error_of("[policies.a]\nblock_subprocess = true\nallow_localhost = true\n"),
            "/proj/hermetic.toml:3: policies.a.allow_localhost: an exception to block_network, "
            "which this policy does not set");
  EXPECT_EQ(error_of("[policies.a]\nkeep_env = [\"TOKEN\"]\n"),
            "/proj/hermetic.toml:2: policies.a.keep_env: an exception to block_environment, "
            "which this policy does not set");
  EXPECT_EQ(error_of("[policies.a]\nfs_readonly = true\nallow_read = [\"/x\"]\n"),
            "/proj/hermetic.toml:3: policies.a.allow_read: needs a read root: set fs_root");
  // Two read roots, one inherited: named at the later key's line (keys are read in order).
  EXPECT_EQ(error_of("[policies.b]\nfs_root = \"/r\"\n[policies.c]\nextends = \"b\"\n"
                     "fs_root = \"/s\"\n",
                     "c"),
            "/proj/hermetic.toml:5: policies.c.fs_root: only one read root may be given (got "
            "'/r' and '/s')");
}

TEST(PolicyFile, ChoosingAPolicy) {
  EXPECT_EQ(error_of("[policies.a]\n[policies.b]\n"),
            "/proj/hermetic.toml: several policies and no `default`: name one (--policy NAME)");
  EXPECT_EQ(error_of("[policies.a]\n[policies.b]\n", "c"),
            "/proj/hermetic.toml: no policy 'c' (its policies: a, b)");
  EXPECT_EQ(error_of("default = \"z\"\n[policies.a]\n"),
            "/proj/hermetic.toml: no policy 'z' (its policies: a)");
  EXPECT_EQ(error_of("default = \"a\"\n"), "/proj/hermetic.toml: no [policies.NAME] table");
  EXPECT_EQ(error_of("[policies.a]\nextends = \"b\"\n[policies.b]\nextends = \"a\"\n", "a"),
            "/proj/hermetic.toml: policy 'a' extends itself (a in a -> b)");
}

TEST(PolicyFile, FlagsMayOnlyTighten) {
  auto loaded = parse("[policies.ci]\nblock_network = true\nallow_localhost = true\n");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(check_only_tightens(loaded.value(), PolicyBuilder().block_subprocess().current()));
  EXPECT_TRUE(check_only_tightens(loaded.value(), PolicyBuilder().allow_localhost().current()));
  auto widened =
      check_only_tightens(loaded.value(), PolicyBuilder().allow_domain("a.test").current());
  ASSERT_FALSE(widened.ok());
  EXPECT_EQ(widened.error().message,
            "allow_domains would widen policy 'ci' of /proj/hermetic.toml, which sets "
            "block_network: flags and keywords can only tighten a policy file's policy (add it "
            "there)");
  // A block the file does not set comes with its own exceptions.
  EXPECT_TRUE(check_only_tightens(loaded.value(),
                                  PolicyBuilder().fs_readonly().allow_write("/w").current()));
}

}  // namespace
}  // namespace hermetic
