// The pure parts of the supervisor's metadata calls: argument layouts, the caller's fd paths and
// the writable places. The kernel side is tested end to end (tests/bypass/test_fs_metadata_*).
#include "supervisor/supervisor_metadata.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hermetic::supervisor::metadata {
namespace {

TEST(WritablePlaces, ARootAndWhatLiesBeneathIt) {
  const WritablePlaces places({"/work/out", "/tmp/hermetic-abc", "/home/u/notes.txt"});
  EXPECT_TRUE(places.contain("/work/out"));
  EXPECT_TRUE(places.contain("/work/out/a/b"));
  EXPECT_TRUE(places.contain("/tmp/hermetic-abc/x"));
  EXPECT_TRUE(places.contain("/home/u/notes.txt"));
  EXPECT_FALSE(places.contain("/work/output"));  // a sibling sharing the prefix
  EXPECT_FALSE(places.contain("/work"));
  EXPECT_FALSE(places.contain("/home/u/notes.txt.bak"));
  EXPECT_FALSE(places.contain("/etc/passwd"));
  EXPECT_FALSE(places.contain(""));
  EXPECT_FALSE(WritablePlaces().contain("/work/out"));
}

TEST(WritablePlaces, TheRootDirectoryHoldsEverything) {
  const WritablePlaces places({"/"});
  EXPECT_TRUE(places.contain("/"));
  EXPECT_TRUE(places.contain("/etc/passwd"));
}

TEST(CallerFdPath, NamesOfTheCallersOwnFds) {
  EXPECT_EQ(caller_fd_path("/proc/self/fd/3", 100, 90), 3);
  EXPECT_EQ(caller_fd_path("/proc/thread-self/fd/12", 100, 90), 12);
  EXPECT_EQ(caller_fd_path("/dev/fd/0", 100, 90), 0);
  EXPECT_EQ(caller_fd_path("/proc/90/fd/4", 100, 90), 4);
  EXPECT_EQ(caller_fd_path("/proc/100/fd/4", 100, 90), 4);
  EXPECT_EQ(caller_fd_path("/proc/90/task/100/fd/4", 100, 90), 4);
}

TEST(CallerFdPath, AnythingElseIsAPathToResolve) {
  EXPECT_FALSE(caller_fd_path("/proc/91/fd/4", 100, 90));  // another process's fd
  EXPECT_FALSE(caller_fd_path("/proc/self/fd/3/x", 100, 90));
  EXPECT_FALSE(caller_fd_path("/proc/self/fd/", 100, 90));
  EXPECT_FALSE(caller_fd_path("/proc/self/fd/03", 100, 90));
  EXPECT_FALSE(caller_fd_path("/proc/self/fd/-1", 100, 90));
  EXPECT_FALSE(caller_fd_path("/proc/self/fd/99999999999", 100, 90));
  EXPECT_FALSE(caller_fd_path("/proc/self/cwd", 100, 90));
  EXPECT_FALSE(caller_fd_path("relative/fd/3", 100, 90));
}

TEST(CallShape, EverySupervisedMetadataCallHasOne) {
  for (const char* name :
       {"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
        "utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr",
        "removexattr", "lremovexattr", "fremovexattr"}) {
    const auto shape = shape_of(name);
    ASSERT_TRUE(shape) << name;
    EXPECT_NE(shape->fd >= 0, shape->path >= 0) << name << ": an fd call or a path call";
  }
  EXPECT_FALSE(shape_of("connect"));
  EXPECT_FALSE(shape_of("setxattrat"));
}

TEST(CallShape, LayoutsFollowTheKernelsPrototypes) {
  const auto fchownat = *shape_of("fchownat");  // (dirfd, path, uid, gid, flags)
  EXPECT_EQ(fchownat.dirfd, 0);
  EXPECT_EQ(fchownat.path, 1);
  EXPECT_EQ(fchownat.uid, 2);
  EXPECT_EQ(fchownat.gid, 3);
  EXPECT_EQ(fchownat.at_flags, 4);
  const auto fchmodat = *shape_of("fchmodat");  // the syscall has no flags: it follows
  EXPECT_EQ(fchmodat.at_flags, -1);
  EXPECT_TRUE(fchmodat.follow);
  EXPECT_FALSE(shape_of("lchown")->follow);
  EXPECT_FALSE(shape_of("lsetxattr")->follow);
  EXPECT_TRUE(shape_of("setxattr")->follow);
  const auto utimensat = *shape_of("utimensat");  // (dirfd, path or NULL, times, flags)
  EXPECT_EQ(utimensat.times, 2);
  EXPECT_EQ(utimensat.at_flags, 3);
  EXPECT_EQ(utimensat.layout, TimesLayout::timespec);
  EXPECT_EQ(shape_of("utime")->layout, TimesLayout::utimbuf);
  EXPECT_EQ(shape_of("futimesat")->layout, TimesLayout::timeval);
  const auto fsetxattr = *shape_of("fsetxattr");  // (fd, name, value, size, flags)
  EXPECT_EQ(fsetxattr.fd, 0);
  EXPECT_EQ(fsetxattr.name, 1);
  EXPECT_EQ(fsetxattr.value, 2);
  EXPECT_EQ(fsetxattr.size, 3);
  EXPECT_EQ(fsetxattr.xattr_flags, 4);
}

}  // namespace
}  // namespace hermetic::supervisor::metadata
