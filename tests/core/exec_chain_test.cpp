#include "target/exec_chain.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
