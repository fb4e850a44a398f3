// --allow-exec entries as the kernel layer grants them, without the kernel.
#include "target/exec_allow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "target/exec_chain.hpp"
#include "temp_dir.hpp"

namespace hermetic::exec_allow {
namespace {
namespace fs = std::filesystem;

using test_support::TempDir;

fs::path write_script(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

bool granted(const std::vector<Grant>& grants, const std::string& path) {
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) { return g.path == path; });
}

TEST(ExecAllow, ABareNameIsFoundOnPathAndItsLoaderAdded) {
  auto grants = resolve({"sh"}, "/usr/bin:/bin", {});
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  const std::string sh = fs::canonical("/bin/sh").string();
  const std::string loader = fs::canonical(exec_chain::elf_interpreter(sh)).string();
  ASSERT_EQ(grants.value().size(), 2U);
  EXPECT_EQ(grants.value()[0].path, sh);
  EXPECT_TRUE(grants.value()[0].listed);
  EXPECT_EQ(grants.value()[1].path, loader);
  EXPECT_FALSE(grants.value()[1].listed);
  EXPECT_EQ(listed_paths(grants.value(), {}), std::vector<std::string>{sh});
  // The target's own programs count too, its loader does not.
  const std::string true_real = fs::canonical("/bin/true").string();
  EXPECT_EQ(listed_paths(grants.value(), {true_real, loader}),
            (std::vector<std::string>{sh, true_real}));
}

TEST(ExecAllow, ADirectoryGrantsWhatIsBeneathAndTheLoadersItsProgramsName) {
  TempDir dir;
  fs::copy_file("/bin/sh", dir.path() / "sh-copy");
  auto grants = resolve({dir.path().string()}, "", {});
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  const std::string real_dir = fs::canonical(dir.path()).string();
  EXPECT_TRUE(grants.value()[0].directory);
  EXPECT_TRUE(covers(grants.value()[0], real_dir + "/sh-copy"));
  EXPECT_TRUE(covers(grants.value()[0], real_dir + "/sub/x"));
  EXPECT_FALSE(covers(grants.value()[0], real_dir + "-other/x"));
  EXPECT_TRUE(granted(grants.value(), fs::canonical(exec_chain::elf_interpreter("/bin/sh"))));
}

TEST(ExecAllow, BadEntriesAreOneLineErrorsNamingThem) {
  auto missing = resolve({"/nonexistent/tool"}, "/usr/bin:/bin", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "--allow-exec path does not exist: /nonexistent/tool");
  auto unknown = resolve({"no-such-program-here"}, "/usr/bin:/bin", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message,
            "--allow-exec: no program named 'no-such-program-here' on PATH");
  TempDir dir;
  std::ofstream(dir.path() / "data") << "not a program\n";
  auto data = resolve({(dir.path() / "data").string()}, "", {});
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.error().message.find("is not a program"), std::string::npos);
}

TEST(ExecAllow, AListedScriptNeedsItsInterpreterGranted) {
  TempDir dir;
  auto script = write_script(dir.path() / "s", "#!/bin/sh\n: > out\n");
  auto alone = resolve({script.string()}, "/usr/bin:/bin", {});
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().message.find("#! interpreter /bin/sh is not allowed"), std::string::npos)
      << alone.error().message;
  EXPECT_TRUE(resolve({script.string(), "sh"}, "/usr/bin:/bin", {}).ok());
  // The target's own chain counts: a script run by the target's interpreter.
  EXPECT_TRUE(resolve({script.string()}, "/usr/bin:/bin", {fs::canonical("/bin/sh")}).ok());
}
}  // namespace
}  // namespace hermetic::exec_allow
