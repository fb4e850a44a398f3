// The judge of --report's Landlock lines, on the layers fs_layers builds for a run: every right
// is refused where the layers grant it nowhere, and nothing a writable place or the read root
// grants is (a false line would make --report-unexpected fail a run that passed).
#include "landlock/fs_judge.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "landlock/fs_layers.hpp"
#include "landlock/landlock_abi.hpp"
#include "temp_dir.hpp"

namespace hermetic::fs_judge {
namespace {

namespace ll = landlock::uapi::fs;

TEST(FsJudge, BeneathIsByWholeComponents) {
  EXPECT_TRUE(beneath("/a/b", "/a/b"));
  EXPECT_TRUE(beneath("/a/b/c", "/a/b"));
  EXPECT_TRUE(beneath("/a/b", "/"));
  EXPECT_FALSE(beneath("/a/bc", "/a/b"));
  EXPECT_FALSE(beneath("/a", "/a/b"));
}

TEST(FsJudge, TheLayersOfARunWithAReadRoot) {
  const test_support::TempDir dir;
  const auto root = dir.path() / "root";
  const auto tmp = dir.path() / "tmp";
  const auto out = dir.path() / "out";
  const auto report = dir.path() / "report.jsonl";
  for (const auto& d : {root, tmp, out}) std::filesystem::create_directory(d);
  std::ofstream(report.string()) << "";
  // "tmp-link" reaches the TMPDIR through a symlink, as /tmp may: rules are judged resolved.
  std::filesystem::create_directory_symlink(tmp, dir.path() / "tmp-link");
  fs_layers::Inputs in;
  in.landlock_abi = 7;
  in.private_tmpdir = (dir.path() / "tmp-link").string();
  in.allow_write = {out.string()};
  in.read_root = root.string();
  in.report_file = report.string();
  const Judge judge(fs_layers::layers(in), in.landlock_abi);

  const auto refused = [&](const std::filesystem::path& path, std::uint64_t rights) {
    return judge.refused({path.string(), rights});
  };
  // Writes: the writable places only; the report file takes appends and nothing else.
  EXPECT_EQ(refused(tmp, ll::kMakeReg | ll::kWriteFile), 0U);
  EXPECT_EQ(refused(out / "sub", ll::kMakeDir | ll::kRemoveFile), 0U);
  EXPECT_EQ(refused(report, ll::kWriteFile), 0U);
  EXPECT_EQ(refused(dir.path(), ll::kMakeReg), ll::kMakeReg);
  EXPECT_EQ(refused(root, ll::kMakeReg | ll::kWriteFile), ll::kMakeReg | ll::kWriteFile);
  EXPECT_EQ(refused("/dev/null", ll::kWriteFile), 0U);
  // No devices in a writable place, and renames across directories only between writable ones.
  EXPECT_EQ(refused(tmp, ll::kMakeChar), ll::kMakeChar);
  EXPECT_EQ(refused(tmp, ll::kRefer), 0U);
  EXPECT_EQ(refused(root, ll::kRefer), ll::kRefer);
  // Reads: the root, the writable places, the system's fixed paths; not beside the root.
  EXPECT_EQ(refused(root / "x", ll::kReadFile), 0U);
  EXPECT_EQ(refused(out, ll::kReadDir), 0U);
  EXPECT_EQ(refused("/usr/lib", ll::kReadDir), 0U);
  EXPECT_EQ(refused(dir.path() / "elsewhere", ll::kReadFile), ll::kReadFile);
  EXPECT_EQ(refused(report, ll::kReadFile), ll::kReadFile);
}

TEST(FsJudge, AtAbi1EveryLayerThatHandlesFilesRefusesRenamesAcrossDirectories) {
  fs_layers::Inputs in;
  in.landlock_abi = 1;
  in.allow_write = {"/"};
  const Judge judge(fs_layers::layers(in), in.landlock_abi);
  EXPECT_EQ(judge.refused({"/usr", ll::kMakeReg}), 0U);
  EXPECT_EQ(judge.refused({"/usr", ll::kRefer}), ll::kRefer);
}

}  // namespace
}  // namespace hermetic::fs_judge
