// Learn mode's synthesis: observed uses -> the smallest policy, with the filesystem faked; and the
// policy file writer, which changes one table and no other byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "hermetic/policy_file.hpp"
#include "learn/policy_writer.hpp"
#include "learn/synthesize.hpp"

namespace hermetic::learn {
namespace {

Grants grants() {
  Grants g;
  g.root = "/work/proj";
  g.home = "/home/u";
  g.reads = {"/usr/lib", "/etc/ld.so.cache"};
  g.writes = {"/dev/null", "/tmp/hermetic-abc"};
  g.execs = {"/usr/bin/tool"};
  return g;
}

Learned learn(const std::vector<Observed>& observed, const std::set<std::string>& existing = {}) {
  return synthesize(observed, grants(), [&](const std::string& path) {
    return existing.contains(path) || path == "/" || path == "/work" || path == "/work/proj";
  });
}

Observed net(std::string op, std::string address, long port) {
  return {"network", std::move(op), "", "", std::move(address), port};
}
Observed file(std::string cap, std::string op, std::string path, std::string path2 = "") {
  return {std::move(cap), std::move(op), std::move(path), std::move(path2), "", -1};
}

TEST(LearnSynthesize, NothingObservedBlocksEverything) {
  const Learned out = learn({});
  EXPECT_TRUE(out.block_network);
  EXPECT_FALSE(out.allow_localhost);
  EXPECT_TRUE(out.block_subprocess);
  EXPECT_TRUE(out.fs_readonly);
  EXPECT_EQ(out.root, "/work/proj");
  EXPECT_TRUE(out.connect.empty() && out.write.empty() && out.read.empty());
}

TEST(LearnSynthesize, FewLoopbackPortsAreListedManyOrEphemeralOnesAllowLocalhost) {
  Learned out = learn({net("connect", "127.0.0.1", 8765), net("connect", "::1", 80)});
  EXPECT_FALSE(out.allow_localhost);
  EXPECT_EQ(out.connect, (std::set<std::string>{"127.0.0.1:8765", "[::1]:80"}));
  out = learn({net("connect", "127.0.0.1", 8765), net("connect", "127.0.0.1", 40001)});
  EXPECT_TRUE(out.allow_localhost);
  EXPECT_TRUE(out.connect.empty());
  out = learn({net("connect", "127.0.0.1", 1), net("connect", "127.0.0.1", 2),
               net("connect", "127.0.0.1", 3), net("connect", "127.0.0.1", 4),
               net("connect", "127.0.0.1", 5)});
  EXPECT_TRUE(out.allow_localhost);
}

TEST(LearnSynthesize, RemoteDestinationsAreAddressAndPortDnsIsANote) {
  const Learned out = learn({net("connect", "10.1.2.3", 443), net("sendto", "127.0.0.53", 53)});
  EXPECT_EQ(out.connect, (std::set<std::string>{"10.1.2.3:443"}));
  EXPECT_TRUE(out.block_network);
  ASSERT_EQ(out.notes.size(), 1U);
  EXPECT_NE(out.notes[0].find("name lookups"), std::string::npos);
}

TEST(LearnSynthesize, BindsByPortAndPortZeroAllowsLocalhost) {
  EXPECT_EQ(learn({net("bind", "127.0.0.1", 8000), net("listen", "127.0.0.1", 8000)}).bind,
            (std::set<std::string>{"8000"}));
  EXPECT_FALSE(learn({net("bind", "::1", 0)}).allow_localhost);  // a probe, never listened on
  EXPECT_TRUE(
      learn({net("bind", "127.0.0.1", 0), net("listen", "127.0.0.1", 41234)}).allow_localhost);
  EXPECT_FALSE(learn({net("bind", "0.0.0.0", 8000)}).block_network);
  EXPECT_TRUE(learn({net("connect", "/run/x.sock", -1)}).block_network);  // unix: not network
}

TEST(LearnSynthesize, ProgramsRunOpenSubprocessesButNotTheTargetItself) {
  const Learned itself = learn({file("subprocess", "exec", "/usr/bin/tool")});
  EXPECT_TRUE(itself.block_subprocess);
  EXPECT_TRUE(itself.exec.empty());
  const Learned out =
      learn({file("subprocess", "fork", ""), file("subprocess", "exec", "/usr/bin/git")});
  EXPECT_TRUE(out.block_subprocess);  // with allow_exec: processes, and these programs alone
  EXPECT_EQ(out.exec, (std::set<std::string>{"/usr/bin/git"}));
  // Processes but no other program: the target alone may run (allow_exec is not empty).
  const Learned forks = learn({file("subprocess", "fork", "")});
  EXPECT_TRUE(forks.block_subprocess);
  EXPECT_EQ(forks.exec, (std::set<std::string>{"/usr/bin/tool"}));
}

TEST(LearnSynthesize, WritesGoToTheNearestPlaceThatWasThereBefore) {
  const std::set<std::string> existing{"/work/proj/out", "/work/proj/out/a.o", "/work/proj/log.txt",
                                       "/work/proj/new", "/srv/x"};
  const Learned out = learn(
      {
          file("fs_write", "open", "/work/proj/log.txt"),           // an existing file: itself
          file("fs_write", "mkdir", "/work/proj/new"),              // made by the run: its parent
          file("fs_write", "create", "/work/proj/new/deep/x.txt"),  // under it
          file("fs_write", "create", "/tmp/hermetic-abc/cc.s"),     // the private TMPDIR
          file("fs_write", "open", "/dev/null"),
          file("fs_write", "open", "/dev/stdout"),
      },
      existing);
  EXPECT_EQ(out.write, (std::set<std::string>{"/work/proj"}));  // covers log.txt too
  const Learned only_file = learn({file("fs_write", "open", "/work/proj/log.txt")}, existing);
  EXPECT_EQ(only_file.write, (std::set<std::string>{"/work/proj/log.txt"}));
  const Learned renamed =
      learn({file("fs_write", "rename", "/work/proj/out/a.o", "/srv/x/a.o")}, existing);
  EXPECT_EQ(renamed.write, (std::set<std::string>{"/work/proj/out", "/srv/x"}));
}

TEST(LearnSynthesize, ReadsOutsideTheRootAreGroupedButNeverToHomeOrTheTop) {
  const std::set<std::string> existing{
      "/usr/include/stdio.h",  "/usr/include/stdlib.h", "/usr/include/bits/a.h",
      "/usr/include/bits/b.h", "/etc/gitconfig",        "/home/u/.gitconfig",
      "/home/u/.config/git/x", "/home/u/.config/git/y", "/home/u/.ssh/z"};
  const Learned out = learn(
      {
          file("fs_read", "open", "/usr/include/stdio.h"),
          file("fs_read", "open", "/usr/include/stdlib.h"),
          file("fs_read", "open", "/usr/include/bits/a.h"),
          file("fs_read", "open", "/usr/include/bits/b.h"),
          file("fs_read", "open", "/etc/gitconfig"),
          file("fs_read", "open", "/home/u/.gitconfig"),
          file("fs_read", "open", "/home/u/.config/git/x"),
          file("fs_read", "open", "/home/u/.config/git/y"),
          file("fs_read", "open", "/home/u/.ssh/z"),
          file("fs_read", "open", "/usr/lib/x86_64-linux-gnu/libc.so.6"),  // granted anyway
          file("fs_read", "open", "/work/proj/src/main.c"),                // under the root
          file("fs_read", "list", "/work"),                                // above the root
          file("fs_read", "open", "/proc/self/status"),
      },
      existing);
  EXPECT_EQ(out.read, (std::set<std::string>{"/usr/include", "/etc/gitconfig", "/home/u/.gitconfig",
                                             "/home/u/.config/git", "/home/u/.ssh/z"}));
}

TEST(LearnSynthesize, WidenJoinsWhatEitherAllows) {
  Learned a = learn({net("connect", "127.0.0.1", 8765)});
  Learned b = learn({net("connect", "127.0.0.1", 8766), file("subprocess", "fork", "")});
  const Learned both = widen(a, b);
  EXPECT_EQ(both.connect, (std::set<std::string>{"127.0.0.1:8765", "127.0.0.1:8766"}));
  EXPECT_EQ(both.exec, (std::set<std::string>{"/usr/bin/tool"}));
  const auto added = added_lines(table_lines(a, "/work/proj", "/home/u"),
                                 table_lines(both, "/work/proj", "/home/u"));
  EXPECT_EQ(added, (std::vector<std::string>{"allow_connect += \"127.0.0.1:8766\"",
                                             "allow_exec += \"/usr/bin/tool\""}));
}

TEST(LearnSynthesize, TableLinesAreRelativeToTheFileAndParseAsAPolicy) {
  Learned out =
      learn({net("connect", "127.0.0.1", 8765), file("subprocess", "exec", "/usr/bin/git")});
  out.write = {"/work/proj/out"};
  out.read = {"/home/u/.gitconfig", "/etc/gitconfig"};
  const auto lines = table_lines(out, "/work/proj", "/home/u");
  std::string text = "[policies.x]\n";
  for (const auto& line : lines) text += line + "\n";
  EXPECT_NE(text.find("fs_root = \".\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  \"out\",\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  \"~/.gitconfig\",\n"), std::string::npos) << text;
  EXPECT_NE(text.find("allow_exec = [\n  \"/usr/bin/git\",\n]\n"), std::string::npos) << text;
  // The file's ~ is $HOME.
  const char* home = std::getenv("HOME");
  const std::string saved = home != nullptr ? home : "";
  ::setenv("HOME", "/home/u", 1);
  auto loaded = parse_policy_file(text, "/work/proj/hermetic.toml", "x", /*check_paths=*/false);
  ::setenv("HOME", saved.c_str(), 1);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << text;
  EXPECT_EQ(loaded.value().policy.allow_connect, std::vector<std::string>{"127.0.0.1:8765"});
  EXPECT_TRUE(loaded.value().policy.block_subprocess);
  EXPECT_EQ(loaded.value().policy.allow_exec, std::vector<std::string>{"/usr/bin/git"});
  // Stored and learned again: the same table (paths compared normalized).
  const Learned stored = from_policy(loaded.value().policy);
  EXPECT_EQ(table_lines(stored, "/work/proj", "/home/u"), lines);

  // What learn does not see stays as the file had it.
  Policy more = loaded.value().policy;
  more.block_environment = true;
  more.deny_imports = {"pickle"};
  const auto kept = table_lines(widen(from_policy(more), out), "/work/proj", "/home/u");
  EXPECT_NE(std::find(kept.begin(), kept.end(), "block_environment = true"), kept.end());
  EXPECT_NE(std::find(kept.begin(), kept.end(), "deny_imports = ["), kept.end());
}

Observed python(std::string cap, std::string op, std::string name, long pid = 7) {
  Observed use{std::move(cap), std::move(op), "", "", "", -1, std::move(name)};
  use.pid = pid;
  return use;
}
Learned learn_python(const std::vector<Observed>& observed) {
  Grants g = grants();
  g.target_pid = 7;
  return synthesize(observed, g, [](const std::string&) { return true; });
}

TEST(LearnSynthesize, PythonViewBlocksWhatAWatchedTargetDidNotUse) {
  const Observed watch = python("interpreter", "watch", "");
  Learned out = learn_python({watch});
  EXPECT_EQ(out.block_environment, true);
  EXPECT_EQ(out.block_code_exec, true);
  EXPECT_EQ(out.block_native, true);
  EXPECT_TRUE(out.keep_env.empty());
  // Variables an enforced run keeps anyway are not listed; others are, sorted.
  out = learn_python({watch, python("environment", "getenv", "Y"),
                      python("environment", "getenv", "PATH"), python("environment", "getenv", "X"),
                      python("code", "exec", "exec"), python("native", "load", "_cffi_backend")});
  EXPECT_EQ(out.block_environment, true);
  EXPECT_EQ(out.keep_env, (std::set<std::string>{"X", "Y"}));
  EXPECT_EQ(out.block_code_exec, false);
  EXPECT_EQ(out.block_native, false);
  const auto lines = table_lines(out, "/work/proj", "/home/u");
  const std::vector<std::string> tail(lines.end() - 7, lines.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"block_environment = true", "keep_env = [", "  \"X\",",
                                            "  \"Y\",", "]", "block_code_exec = false",
                                            "block_native = false"}));
}

TEST(LearnSynthesize, PythonViewJudgesNothingItDidNotWatch) {
  // Not a Python target (no watch line of its own): the Python-only fields stay unjudged.
  Learned out = learn_python({python("interpreter", "watch", "", 8)});
  EXPECT_FALSE(out.block_environment || out.block_code_exec || out.block_native);
  EXPECT_EQ(table_lines(out, "/work/proj", "/home/u"),
            table_lines(learn({}), "/work/proj", "/home/u"));
  // A program run that no watch line follows: its variables are not seen. And block_native's
  // kernel part would stop any program run.
  Observed exec = python("subprocess", "exec", "", 9);
  exec.path = "/usr/bin/git";
  out = learn_python({python("interpreter", "watch", ""), exec});
  EXPECT_FALSE(out.block_environment.has_value());
  EXPECT_EQ(out.block_native, false);
  EXPECT_EQ(out.block_code_exec, true);
  out = learn_python(
      {python("interpreter", "watch", ""), exec, python("interpreter", "watch", "", 9)});
  EXPECT_EQ(out.block_environment, true);
  // The whole environment read: no list of names can stand for it.
  out = learn_python({python("interpreter", "watch", ""), python("environment", "list", "")});
  EXPECT_EQ(out.block_environment, false);
}

TEST(LearnSynthesize, PythonViewWidensAndAStoredFalseStays) {
  Learned first = learn_python({python("interpreter", "watch", ""), python("native", "load", "m"),
                                python("environment", "getenv", "X")});
  const auto lines = table_lines(first, "/work/proj", "/home/u");
  std::string text = "[policies.x]\n";
  for (const auto& line : lines) text += line + "\n";
  auto loaded = parse_policy_file(text, "/work/proj/hermetic.toml", "x", /*check_paths=*/false);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << text;
  const Learned stored = from_policy(loaded.value().policy, table_keys(text, "[policies.x]"));
  EXPECT_EQ(stored.block_native, false);
  const Learned second =
      learn_python({python("interpreter", "watch", ""), python("environment", "getenv", "Z")});
  const Learned merged = widen(stored, second);
  EXPECT_EQ(merged.block_native, false);
  EXPECT_EQ(merged.block_code_exec, true);
  EXPECT_EQ(merged.keep_env, (std::set<std::string>{"X", "Z"}));
  EXPECT_EQ(added_lines(lines, table_lines(merged, "/work/proj", "/home/u")),
            std::vector<std::string>{"keep_env += \"Z\""});
  // Without the key, an unset block allows already: widening never turns it on (a policy learned
  // before the Python view, or from a program that is not Python, gains no block).
  const Learned unset = from_policy(Policy{});
  EXPECT_FALSE(unset.block_native.has_value());
  const Learned none = learn_python({python("interpreter", "watch", "")});
  EXPECT_EQ(table_lines(widen(unset, none), "/work/proj", "/home/u"),
            table_lines(unset, "/work/proj", "/home/u"));
}

TEST(LearnSynthesize, ReadReportTakesObservedLinesAndRefusesOthers) {
  auto events = read_report(
      "{\"v\":1,\"capability\":\"network\",\"operation\":\"connect\",\"decision\":\"observed\","
      "\"detail\":{\"address\":\"127.0.0.1\",\"port\":8765}}\n"
      "{\"v\":1,\"capability\":\"fs_write\",\"operation\":\"open\",\"decision\":\"refused\","
      "\"detail\":{\"path\":\"/x\"}}\n\n");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events.value().size(), 1U);
  EXPECT_EQ(events.value()[0].port, 8765);
  EXPECT_FALSE(read_report("{\"v\":2}\n").ok());
  EXPECT_FALSE(read_report("not json\n").ok());
}

TEST(LearnSynthesize, EachRefusalGetsTheLinesThatWouldAllowIt) {
  const std::set<std::string> existing{"/work/proj/log.txt"};
  const Learned current = learn({net("connect", "127.0.0.1", 8765)}, existing);
  const auto explained = explain_refusals(
      {net("connect", "127.0.0.1", 8766), net("connect", "127.0.0.1", 8766),
       file("fs_write", "open", "/work/proj/log.txt"), net("connect", "127.0.0.1", 8765)},
      current, grants(),
      [&](const std::string& path) { return existing.contains(path) || path == "/work/proj"; },
      "/work/proj", "/home/u");
  ASSERT_EQ(explained.size(), 3U);
  EXPECT_EQ(explained[0].what, "network connect 127.0.0.1:8766");
  EXPECT_EQ(explained[0].lines, std::vector<std::string>{"allow_connect += \"127.0.0.1:8766\""});
  EXPECT_EQ(explained[1].what, "fs_write open /work/proj/log.txt");
  EXPECT_EQ(explained[1].lines, std::vector<std::string>{"allow_write += \"log.txt\""});
  EXPECT_TRUE(explained[2].lines.empty());  // already allowed: refused for another reason
}

TEST(LearnPolicyWriter, ReplacesOneTableAndKeepsEveryOtherByte) {
  const std::string text =
      "# top comment\ndefault = \"ci\"\n\n[policies.ci]\nblock_network = true  # keep\n\n"
      "[policies.learned]\n# old\nblock_network = false\nallow_read = [\n  \"/a\",\n]\n"
      "\n# about the next one\n[policies.other]\nfs_readonly = true\n";
  const std::string out = replace_table(text, "[policies.learned]", {"block_network = true"});
  EXPECT_EQ(out,
            "# top comment\ndefault = \"ci\"\n\n[policies.ci]\nblock_network = true  # keep\n\n"
            "[policies.learned]\nblock_network = true\n"
            "\n# about the next one\n[policies.other]\nfs_readonly = true\n");
  EXPECT_EQ(replace_table("[policies.ci]\nx = 1", "[policies.new]", {"y = 2"}),
            "[policies.ci]\nx = 1\n\n[policies.new]\ny = 2\n");
  EXPECT_EQ(replace_table("", "[policies.new]", {"y = 2"}), "[policies.new]\ny = 2\n");
}

TEST(LearnPolicyWriter, HeaderFollowsTheFileAndRefusesNamesThatAreNotBareKeys) {
  EXPECT_EQ(table_header("/p/pyproject.toml", "ci").value(), "[tool.hermetic.policies.ci]");
  EXPECT_EQ(table_header("/p/hermetic.toml", "ci").value(), "[policies.ci]");
  EXPECT_FALSE(table_header("/p/hermetic.toml", "a.b").ok());
  EXPECT_FALSE(table_header("/p/hermetic.toml", "").ok());
}

}  // namespace
}  // namespace hermetic::learn
