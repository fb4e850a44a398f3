// --fs-readonly's Landlock layers from their inputs, without the kernel.
#include "landlock/fs_layers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "landlock/landlock_abi.hpp"

namespace hermetic::fs_layers {
namespace {

namespace ll = landlock::uapi::fs;

const landlock::PathRule* rule_for(const landlock::Layer& layer, const std::string& path) {
  auto it = std::find_if(layer.rules.begin(), layer.rules.end(),
                         [&](const landlock::PathRule& r) { return r.path == path; });
  return it == layer.rules.end() ? nullptr : &*it;
}

Inputs readonly_inputs(int abi) {
  Inputs in;
  in.landlock_abi = abi;
  in.private_tmpdir = "/tmp/hermetic-abc";
  in.allow_write = {"/work/out"};
  return in;
}

TEST(FsLayers, WriteRightsFollowTheAbi) {
  EXPECT_EQ(write_rights(1) & (ll::kRefer | ll::kTruncate | ll::kIoctlDev), 0U);
  EXPECT_NE(write_rights(1) & ll::kWriteFile, 0U);
  EXPECT_NE(write_rights(2) & ll::kRefer, 0U);
  // TRUNCATE is seccomp's (syscall_rules): a layer handling it walks every opened path.
  EXPECT_EQ(write_rights(7) & ll::kTruncate, 0U);
  EXPECT_EQ(write_rights(4) & ll::kIoctlDev, 0U);
  EXPECT_NE(write_rights(7) & ll::kIoctlDev, 0U);
  EXPECT_EQ(write_rights(7) & (ll::kReadFile | ll::kReadDir | ll::kExecute), 0U);
  EXPECT_EQ(write_rights(0), write_rights(1));  // then the build fails closed, naming ABI 1
}

TEST(FsLayers, ReadonlyIsOneLayerHandlingEveryWriteRight) {
  const auto layers = fs_layers::layers(readonly_inputs(7));
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].handled_access_fs, write_rights(7));
  EXPECT_EQ(layers[0].min_abi, 1);
}

TEST(FsLayers, WritableOnlyWhereAllowed) {
  const auto layer = fs_layers::layers(readonly_inputs(7))[0];
  std::set<std::string> writable;
  for (const auto& rule : layer.rules) {
    if ((rule.allowed_access & ll::kWriteFile) != 0) writable.insert(rule.path);
  }
  EXPECT_EQ(writable,
            (std::set<std::string>{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/pts",
                                   "/dev/ptmx", "/tmp/hermetic-abc", "/work/out"}));
}

TEST(FsLayers, TheReportFileIsAppendableAndNothingElse) {
  auto in = readonly_inputs(7);
  in.report_file = "/home/u/report.jsonl";
  in.read_root = "/work";
  const auto layers = fs_layers::layers(in);
  const auto* rule = rule_for(layers[0], "/home/u/report.jsonl");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->allowed_access, ll::kWriteFile);  // no creation, removal or rename beside it
  EXPECT_FALSE(rule->optional);
  // Appending needs no read right: the read layer does not grant the file.
  EXPECT_EQ(rule_for(layers[1], "/home/u/report.jsonl"), nullptr);
}

TEST(FsLayers, NoDeviceNodesEvenWhereWritesAreAllowed) {
  const auto layer = fs_layers::layers(readonly_inputs(7))[0];
  for (const auto& rule : layer.rules) {
    EXPECT_EQ(rule.allowed_access & (ll::kMakeChar | ll::kMakeBlock), 0U) << rule.path;
    EXPECT_EQ(rule.allowed_access & ~layer.handled_access_fs, 0U) << rule.path;
  }
  const auto* tmp = rule_for(layer, "/tmp/hermetic-abc");
  ASSERT_NE(tmp, nullptr);
  EXPECT_NE(tmp->allowed_access & ll::kMakeFifo, 0U);
  EXPECT_NE(tmp->allowed_access & ll::kRefer, 0U);
}

TEST(FsLayers, RulesNeverExceedAnOldAbi) {
  const auto layer = fs_layers::layers(readonly_inputs(1))[0];
  for (const auto& rule : layer.rules) {
    EXPECT_EQ(rule.allowed_access & ~write_rights(1), 0U) << rule.path;
  }
}

TEST(FsLayers, DevicesAreOptionalTheUsersPathsAreNot) {
  const auto layer = fs_layers::layers(readonly_inputs(7))[0];
  for (const char* device : {"/dev/null", "/dev/tty", "/dev/ptmx"}) {
    ASSERT_NE(rule_for(layer, device), nullptr) << device;
    EXPECT_TRUE(rule_for(layer, device)->optional) << device;
  }
  EXPECT_FALSE(rule_for(layer, "/tmp/hermetic-abc")->optional);
  EXPECT_FALSE(rule_for(layer, "/work/out")->optional);
}

Inputs confined_inputs() {
  Inputs in = readonly_inputs(7);
  in.read_root = "/srv/project";
  in.allow_read = {"/data"};
  in.exec_files = {"/usr/bin/python3.11", "/usr/lib64/ld-linux-x86-64.so.2"};
  in.runtime_reads = {{"/opt/py/lib", "Python prefix"}, {"/missing/lib", "absent"}};
  return in;
}

TEST(FsLayers, OnlyTheTargetsOwnTerminalIsReadable) {
  Inputs in = confined_inputs();
  in.terminals = {{0, "/dev/pts/3"}};
  const auto layers = fs_layers::layers(in);
  const auto* own = rule_for(layers[1], "/proc/self/fd/0");  // that very inode, by its fd
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->allowed_access, ll::kReadFile);
  EXPECT_EQ(rule_for(layers[1], "/dev/pts"), nullptr);
}

TEST(FsLayers, ReadRootAddsASecondLayer) {
  const auto layers = fs_layers::layers(confined_inputs());
  ASSERT_EQ(layers.size(), 2U);
  const auto& read = layers[1];
  EXPECT_EQ(read.handled_access_fs, read_rights(7));
  EXPECT_NE(read.purpose.find("/srv/project"), std::string::npos);
  for (const char* path :
       {"/srv/project", "/data", "/tmp/hermetic-abc", "/work/out", "/usr/bin/python3.11",
        "/opt/py/lib", "/etc/ssl/certs", "/dev/urandom"}) {
    const auto* rule = rule_for(read, path);
    ASSERT_NE(rule, nullptr) << path;
    EXPECT_NE(rule->allowed_access & ll::kReadFile, 0U) << path;
  }
  // Runtime reads and system paths vary by machine: optional, left out by landlock::build where
  // missing. The user's paths and the exec chain must exist.
  for (const char* path : {"/missing/lib", "/opt/py/lib", "/etc/ssl/certs", "/dev/urandom"}) {
    EXPECT_TRUE(rule_for(read, path)->optional) << path;
  }
  // Neither the machine's private keys nor other sessions' terminals.
  for (const char* path : {"/etc/ssl", "/etc/ssl/private", "/dev/pts"}) {
    EXPECT_EQ(rule_for(read, path), nullptr) << path;
  }
  for (const char* path :
       {"/srv/project", "/data", "/tmp/hermetic-abc", "/work/out", "/usr/bin/python3.11"}) {
    EXPECT_FALSE(rule_for(read, path)->optional) << path;
  }
}

TEST(FsLayers, APathTheUserGivesStaysRequiredWhenTheSystemListAlsoHasIt) {
  Inputs in = confined_inputs();
  in.allow_read.push_back("/usr/lib");
  const auto read = fs_layers::layers(in)[1];
  EXPECT_FALSE(rule_for(read, "/usr/lib")->optional);
  EXPECT_TRUE(rule_for(read, "/usr/lib32")->optional);
}

TEST(FsLayers, BuildLeavesOutAMissingOptionalPathAndRefusesAMissingRequiredOne) {
  landlock::Layer layer{"test layer", 1, ll::kReadFile, 0, {}};
  layer.rules.push_back({"/", ll::kReadFile, "root"});
  layer.rules.push_back({"/no/such/dir/hermetic-test", ll::kReadFile, "optional", true});
  EXPECT_TRUE(landlock::build(layer, landlock::abi_version()).ok());
  layer.rules.back().optional = false;
  const auto built = landlock::build(layer, landlock::abi_version());
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message.find("cannot open /no/such/dir/hermetic-test"), std::string::npos)
      << built.error().message;
}

TEST(FsLayers, ReadLayerKeepsUserDataOut) {
  const auto read = fs_layers::layers(confined_inputs())[1];
  for (const char* path : {"/", "/home", "/root", "/etc", "/proc", "/etc/passwd", "/etc/shadow",
                           "/tmp", "/usr", "/dev", "/dev/shm"}) {
    EXPECT_EQ(rule_for(read, path), nullptr) << path;
  }
}

TEST(FsLayers, ReferOnlyWhereWritesAreAllowed) {
  const auto read = fs_layers::layers(confined_inputs())[1];
  for (const auto& rule : read.rules) {
    const bool writable = rule.path == "/tmp/hermetic-abc" || rule.path == "/work/out";
    EXPECT_EQ((rule.allowed_access & ll::kRefer) != 0, writable) << rule.path;
  }
}

TEST(FsLayers, ProgramDirectoriesCannotBeListed) {
  const auto read = fs_layers::layers(confined_inputs())[1];
  const auto* bin = rule_for(read, "/usr/bin");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(bin->allowed_access, ll::kReadFile | ll::kExecute);
}

TEST(FsLayers, DuplicatePathsMergeIntoOneRule) {
  Inputs in = confined_inputs();
  in.allow_read.push_back("/work/out");
  const auto read = fs_layers::layers(in)[1];
  const auto count =
      std::count_if(read.rules.begin(), read.rules.end(),
                    [](const landlock::PathRule& r) { return r.path == "/work/out"; });
  EXPECT_EQ(count, 1);
  EXPECT_NE(rule_for(read, "/work/out")->allowed_access & ll::kRefer, 0U);
}

TEST(FsLayers, InheritedStdioFilesKeepTheirDirectionOnly) {
  Inputs in = confined_inputs();
  in.stdio_write = {{1, "/home/u/out.log"}};
  in.stdio_read = {{0, "/home/u/in.txt"}};
  const auto layers = fs_layers::layers(in);
  // By fd: the rule lands on the inode hermetic holds, whatever the path means by then.
  const auto* out = rule_for(layers[0], "/proc/self/fd/1");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->allowed_access, ll::kWriteFile);
  EXPECT_NE(out->why.find("/home/u/out.log"), std::string::npos);
  EXPECT_EQ(rule_for(layers[0], "/proc/self/fd/0"), nullptr);
  const auto* in_rule = rule_for(layers[1], "/proc/self/fd/0");
  ASSERT_NE(in_rule, nullptr);
  EXPECT_EQ(in_rule->allowed_access, ll::kReadFile);
  EXPECT_EQ(rule_for(layers[1], "/proc/self/fd/1"), nullptr);
}

TEST(FsLayers, ALayerNeedingANewerAbiFailsClosedNamingIt) {
  landlock::Layer layer = fs_layers::layers(readonly_inputs(7))[0];
  layer.min_abi = 99;
  const auto built = landlock::build(layer, landlock::abi_version());
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message.find("read-only filesystem needs Landlock ABI 99"),
            std::string::npos)
      << built.error().message;
}

TEST(FsLayers, RightsNames) {
  EXPECT_EQ(rights_names(ll::kReadFile | ll::kReadDir), "read_file read_dir");
  EXPECT_EQ(rights_names(0), "");
}

}  // namespace
}  // namespace hermetic::fs_layers
