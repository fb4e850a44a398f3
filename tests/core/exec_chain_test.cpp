// The exec chain of a target and the --allow-exec grants (exec_chain.hpp, exec_allow.hpp).
#include "target/exec_chain.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "target/exec_allow.hpp"
#include "temp_dir.hpp"

namespace hermetic::exec_chain {
namespace {
namespace fs = std::filesystem;

using test_support::TempDir;

fs::path write_script(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

TEST(ElfInterpreter, DynamicBinaryHasALoader) {
  const std::string loader = elf_interpreter("/bin/sh");
  EXPECT_NE(loader.find("ld-linux"), std::string::npos) << loader;
}

TEST(ElfInterpreter, TextFileHasNone) {
  TempDir dir;
  EXPECT_EQ(elf_interpreter(write_script(dir.path() / "s", "#!/bin/sh\n")), "");
}

TEST(Shebang, SplitsInterpreterAndOneArgument) {
  TempDir dir;
  auto s =
      read_shebang(write_script(dir.path() / "s", "#!  /usr/bin/env   python3 -u  \nprint()\n"));
  EXPECT_EQ(s.interpreter, "/usr/bin/env");
  EXPECT_EQ(s.argument, "python3 -u");
}

TEST(Shebang, ReadsALongLineWholeAndNoneFromABinaryOrAnEmptyFile) {
  TempDir dir;
  const std::string argument(300, 'a');  // the line spans more than one read
  auto s = read_shebang(write_script(dir.path() / "long", "#!/bin/sh " + argument + "\n#!x\n"));
  EXPECT_EQ(s.interpreter, "/bin/sh");
  EXPECT_EQ(s.argument, argument);
  EXPECT_EQ(read_shebang("/bin/sh").interpreter, "");
  EXPECT_EQ(read_shebang(write_script(dir.path() / "empty", "")).interpreter, "");
  EXPECT_EQ(read_shebang(write_script(dir.path() / "unended", "#!/bin/true")).interpreter,
            "/bin/true");
}

TEST(FilesExecuted, ScriptIncludesItsInterpreterAndLoader) {
  TempDir dir;
  auto script = write_script(dir.path() / "s", "#!/bin/sh\necho hi\n");
  auto files = files_executed(script, "/usr/bin:/bin");
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_GE(files.value().size(), 3U);
  EXPECT_EQ(files.value()[0], fs::canonical(script).string());
  EXPECT_EQ(files.value()[1], fs::canonical("/bin/sh").string());
  EXPECT_NE(files.value()[2].find("ld-linux"), std::string::npos);
}

TEST(FilesExecuted, EnvShebangFollowsPath) {
  TempDir dir;
  auto tool = write_script(dir.path() / "tool", "#!/bin/sh\n");
  auto script = write_script(dir.path() / "s", "#!/usr/bin/env tool\n");
  auto files = files_executed(script, dir.path().string() + ":/usr/bin:/bin");
  ASSERT_TRUE(files.ok()) << files.error().message;
  const auto& f = files.value();
  EXPECT_NE(std::find(f.begin(), f.end(), fs::canonical("/usr/bin/env").string()), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), fs::canonical(tool).string()), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), fs::canonical("/bin/sh").string()), f.end());
}

// Each file of the chain is granted to the sandbox: one the kernel would never run (a secret
// named by a swapped #! line, say) must not be.
TEST(FilesExecuted, AnInterpreterThatIsNotExecutableIsAnError) {
  TempDir dir;
  const auto secret = dir.path() / "secret.txt";
  std::ofstream(secret) << "secret\n";
  auto script = write_script(dir.path() / "s", "#!" + secret.string() + "\n");
  const auto files = files_executed(script, "/usr/bin:/bin");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("is not an executable file"), std::string::npos)
      << files.error().message;
}

TEST(FilesExecuted, MissingInterpreterIsAnError) {
  TempDir dir;
  auto script = write_script(dir.path() / "s", "#!/usr/bin/env no-such-interpreter-xyz\n");
  EXPECT_FALSE(files_executed(script, "/usr/bin:/bin").ok());
}

}  // namespace
}  // namespace hermetic::exec_chain

// --allow-exec entries as the kernel layer grants them (exec_allow.hpp).
namespace hermetic::exec_allow {
namespace {
namespace fs = std::filesystem;

using exec_chain::write_script;
using test_support::TempDir;

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
