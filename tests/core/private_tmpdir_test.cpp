// The private TMPDIR is removed completely, and only it, whatever the target left inside.
#include "launch/private_tmpdir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hermetic {
namespace {
namespace fs = std::filesystem;

TEST(PrivateTmpdir, CreatedPrivateAndRemoved) {
  std::string path;
  {
    auto dir = PrivateTmpdir::create(fs::temp_directory_path().string());
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    path = dir.value().path();
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_EQ(fs::path(path).filename().string().rfind("hermetic-", 0), 0U);
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(PrivateTmpdir, MissingParentIsAnError) {
  EXPECT_FALSE(PrivateTmpdir::create("/nonexistent-hermetic-parent").ok());
}

TEST(RemoveTree, RemovesNestedAndUnreadableDirsButNotSymlinkTargets) {
  auto dir = PrivateTmpdir::create(fs::temp_directory_path().string());
  ASSERT_TRUE(dir.ok());
  auto outside = PrivateTmpdir::create(fs::temp_directory_path().string());
  ASSERT_TRUE(outside.ok());
  const fs::path keep = fs::path(outside.value().path()) / "keep";
  std::ofstream(keep) << "keep";

  const fs::path root = dir.value().path();
  fs::create_directories(root / "a" / "b" / "c");
  std::ofstream(root / "a" / "b" / "c" / "f") << "x";
  fs::create_directory_symlink(outside.value().path(), root / "link-to-outside");
  fs::create_directory(root / "locked");
  std::ofstream(root / "locked" / "g") << "y";
  ASSERT_EQ(chmod((root / "locked").c_str(), 0), 0);

  EXPECT_TRUE(dir.value().remove());
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(fs::exists(keep));      // the symlink was removed, not followed
  EXPECT_TRUE(dir.value().remove());  // idempotent
}

TEST(RemoveTree, NestingDeeperThanTheFdLimitIsRemoved) {
  // One fd per level would run out at the soft limit (1024 here): a target nesting 1,100
  // directories deep must not leave its TMPDIR behind.
  auto dir = PrivateTmpdir::create(fs::temp_directory_path().string());
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  const std::string top = dir.value().path();
  int level_fd = open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (int level = 0; level < 1100 && level_fd >= 0; ++level) {
    ASSERT_EQ(mkdirat(level_fd, "d", 0755), 0);
    const int next = openat(level_fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(level_fd);
    level_fd = next;
  }
  ASSERT_GE(level_fd, 0);
  close(level_fd);
  EXPECT_TRUE(remove_tree(top));
  EXPECT_FALSE(fs::exists(top));
}

}  // namespace
}  // namespace hermetic
