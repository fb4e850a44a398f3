// Target resolution: `#!/usr/bin/env NAME` is done by hermetic, so no second exec is needed.
#include "target.hpp"

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

}  // namespace
}  // namespace hermetic::target
