// Target resolution: `#!/usr/bin/env NAME` is done by hermetic, so no second exec is needed.
#include "target/target.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "hermetic/launch.hpp"

namespace hermetic::target {
namespace {
namespace fs = std::filesystem;

class TargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "hermetic-target-XXXXXX").string();
    dir_ = mkdtemp(templ.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  fs::path dir_;
};

TEST_F(TargetTest, EnvShebangExecsTheInterpreterAsEnvWould) {
  const std::string tool = write("mytool", "#!/bin/sh\n");
  const std::string script = write("script", "#!/usr/bin/env mytool\n");
  auto resolved = resolve({script, "a", "b c"}, dir_.string());
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved.value().exec_path, tool);
  EXPECT_EQ(resolved.value().argv, (std::vector<std::string>{"mytool", script, "a", "b c"}));
}

TEST_F(TargetTest, EnvWithOptionsIsLeftToEnv) {
  write("mytool", "#!/bin/sh\n");
  const std::string script = write("script", "#!/usr/bin/env -S mytool -x\n");
  auto resolved = resolve({script, "a"}, dir_.string());
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved.value().exec_path, script);
  EXPECT_EQ(resolved.value().argv, (std::vector<std::string>{script, "a"}));
}

TEST_F(TargetTest, MissingEnvInterpreterIsNotFound) {
  const std::string script = write("script", "#!/usr/bin/env no-such-tool-xyz\n");
  auto resolved = resolve({script}, dir_.string());
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().exit_code, exit_code::kNotFound);
  EXPECT_NE(resolved.error().message.find("no-such-tool-xyz"), std::string::npos);
}

// A fake pyenv: root/shims/NAME (a bash script naming pyenv) and root/versions/1.0/bin/NAME.
class PyenvTargetTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    fs::create_directories(dir_ / "shims");
    fs::create_directories(dir_ / "versions/1.0/bin");
    write("shims/tool", "#!/usr/bin/env bash\nexec \"$PYENV_ROOT/libexec/pyenv\" exec tool\n");
    real_ = write("versions/1.0/bin/tool", "#!/bin/sh\n");
    setenv("PYENV_ROOT", dir_.c_str(), 1);
    setenv("PYENV_VERSION", "1.0", 1);
  }
  void TearDown() override {
    unsetenv("PYENV_ROOT");
    unsetenv("PYENV_VERSION");
    TargetTest::TearDown();
  }
  std::string real_;
};

TEST_F(PyenvTargetTest, ShimIsResolvedNotRunThroughEnv) {
  auto resolved = resolve({"tool", "a"}, (dir_ / "shims").string());
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved.value().exec_path, real_);
  EXPECT_EQ(resolved.value().argv, (std::vector<std::string>{real_, "a"}));
}

TEST_F(PyenvTargetTest, EnvShebangNamingAShimRunsTheRealInterpreter) {
  const std::string script = write("script", "#!/usr/bin/env tool\n");
  auto resolved = resolve({script, "a"}, (dir_ / "shims").string());
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved.value().exec_path, real_);
  EXPECT_EQ(resolved.value().argv, (std::vector<std::string>{real_, script, "a"}));
}

}  // namespace
}  // namespace hermetic::target
