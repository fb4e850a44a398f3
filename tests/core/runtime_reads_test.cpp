// What a target needs to read, found from files: Python layouts, venvs, loader config.
#include "target/runtime_reads.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "target/python_layout.hpp"
#include "temp_dir.hpp"

namespace hermetic {
namespace {
namespace fs = std::filesystem;

using test_support::TempDir;

bool has(const std::vector<fs_layers::ReadNeed>& needs, const fs::path& path) {
  return std::any_of(needs.begin(), needs.end(),
                     [&](const fs_layers::ReadNeed& n) { return n.path == path.string(); });
}

fs::path fake_python(const fs::path& prefix) {
  fs::create_directories(prefix / "bin");
  fs::create_directories(prefix / "lib" / "python3.12");
  const fs::path exe = prefix / "bin" / "python3.12";
  std::ofstream(exe) << "\x7f"
                        "ELF";
  fs::permissions(exe, fs::perms::owner_all);
  fs::create_symlink("python3.12", prefix / "bin" / "python3");
  return prefix / "bin" / "python3";
}

TEST(PythonLayout, RecognisesInterpreterNames) {
  for (const char* name : {"python", "python3", "/usr/bin/python3.11", "python3.13t", "pypy3"}) {
    EXPECT_TRUE(python_layout::is_python(name)) << name;
  }
  for (const char* name : {"pip", "python3-config", "ipython", "pythonista", "/usr/bin/env",
                           "python3.", "python.11", "pythont3"}) {
    EXPECT_FALSE(python_layout::is_python(name)) << name;
  }
}

TEST(PythonLayout, PrefixLibOfTheRealExecutable) {
  TempDir dir;
  const fs::path python = fake_python(dir.path() / "py");
  const auto needs = python_layout::needs(python.string());
  EXPECT_TRUE(has(needs, dir.path() / "py" / "lib"));
  EXPECT_FALSE(has(needs, dir.path() / "py"));  // not the whole prefix (bin, include, share)
}

TEST(PythonLayout, UserSitePackagesOnlyNotTheWholeUserBase) {
  TempDir dir;
  const fs::path python = fake_python(dir.path() / "py");
  ASSERT_EQ(setenv("PYTHONUSERBASE", "/home/u/.local", 1), 0);
  const auto needs = python_layout::needs(python.string());
  unsetenv("PYTHONUSERBASE");
  EXPECT_TRUE(has(needs, "/home/u/.local/lib/python3.12/site-packages"));
  EXPECT_FALSE(has(needs, "/home/u/.local"));
}

TEST(PythonLayout, VenvFoundFromTheUnresolvedPath) {
  TempDir dir;
  const fs::path base = fake_python(dir.path() / "base");
  const fs::path venv = dir.path() / "venv";
  fs::create_directories(venv / "bin");
  fs::create_symlink(base, venv / "bin" / "python3");
  std::ofstream(venv / "pyvenv.cfg") << "home = " << (dir.path() / "base" / "bin").string()
                                     << "\ninclude-system-site-packages = false\n";
  const auto needs = python_layout::needs((venv / "bin" / "python3").string());
  EXPECT_TRUE(has(needs, venv));
  EXPECT_TRUE(has(needs, dir.path() / "base" / "lib"));
}

TEST(PythonLayout, NoVenvWithoutPyvenvCfg) {
  TempDir dir;
  const fs::path python = fake_python(dir.path() / "py");
  for (const auto& need : python_layout::needs(python.string())) {
    EXPECT_EQ(need.why.find("virtual environment"), std::string::npos) << need.path;
  }
}

TEST(RuntimeReads, LoaderConfigFollowsIncludes) {
  TempDir dir;
  fs::create_directories(dir.path() / "conf.d");
  std::ofstream(dir.path() / "ld.so.conf") << "# comment\ninclude conf.d/*.conf\n/opt/a/lib\n";
  // Words as `istream >> word` splits them (tabs, a CRLF line end), the old "dir=TYPE" form.
  std::ofstream(dir.path() / "conf.d" / "x.conf")
      << "/opt/b/lib # trailing\n\n\t/opt/c/lib=libc5\r\n  include\tnone/*.conf";
  std::ofstream(dir.path() / "conf.d" / "loop.conf")
      << "include " << (dir.path() / "ld.so.conf").string() << "\n";
  const auto dirs = runtime_reads::loader_config_dirs((dir.path() / "ld.so.conf").string());
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "/opt/a/lib"), dirs.end());
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "/opt/b/lib"), dirs.end());
  EXPECT_NE(std::find(dirs.begin(), dirs.end(), "/opt/c/lib"), dirs.end());
}

TEST(RuntimeReads, ScriptWithPythonShebangGetsThePythonLayout) {
  TempDir dir;
  const fs::path python = fake_python(dir.path() / "py");
  const fs::path script = dir.path() / "tool";
  std::ofstream(script) << "#!" << python.string() << "\nprint()\n";
  fs::permissions(script, fs::perms::owner_all);
  const auto needs = runtime_reads::find(script.string(), "/usr/bin:/bin");
  EXPECT_TRUE(has(needs, dir.path() / "py" / "lib"));
}

TEST(RuntimeReads, EnvShebangIsSearchedOnPath) {
  TempDir dir;
  const fs::path python = fake_python(dir.path() / "py");
  const fs::path script = dir.path() / "tool";
  std::ofstream(script) << "#!/usr/bin/env python3\n";
  fs::permissions(script, fs::perms::owner_all);
  const auto needs = runtime_reads::find(script.string(), python.parent_path().string());
  EXPECT_TRUE(has(needs, dir.path() / "py" / "lib"));
}

}  // namespace
}  // namespace hermetic
