#include "launch/private_tmpdir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/real_path.hpp"

namespace hermetic {
namespace {

using Birth = std::optional<statx_timestamp>;

// When directory `name` in `dirfd` was made, where the filesystem records it.
Birth birth_of(int dirfd, const char* name) {
  struct statx info {};
  if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &info) != 0) return std::nullopt;
  if ((info.stx_mask & STATX_BTIME) == 0) return std::nullopt;
  return info.stx_btime;
}

bool born_before(const statx_timestamp& a, const statx_timestamp& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

// Opens directory `name` in `dirfd` for listing without following a symlink. A directory the
// owner cannot read is made 0700 first, through an O_PATH fd of that very inode, but only one
// made during the run (born no earlier than the TMPDIR, `run_start`): one the target moved in
// from an --allow-write place keeps the mode its owner gave it, since under --fs-readonly the
// target could not chmod it either, and the cleaner must not remove what the target could not.
Fd open_subdir(int dirfd, const char* name, const Birth& run_start) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  Fd dir(openat(dirfd, name, kFlags));
  if (dir || errno != EACCES) return dir;
  const Birth born = birth_of(dirfd, name);
  if (!run_start || !born || born_before(*born, *run_start)) {
    errno = EACCES;
    return {};
  }
  const Fd handle(openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!handle) return {};
  const std::string by_fd = "/proc/self/fd/" + std::to_string(handle.get());
  if (chmod(by_fd.c_str(), S_IRWXU) != 0) return {};
  return Fd(openat(dirfd, name, kFlags));
}

std::vector<std::string> entries(int dirfd) {
  std::vector<std::string> names;
  const int own = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return names;
  DIR* dir = fdopendir(own);  // takes `own`
  if (dir == nullptr) {
    ::close(own);
    return names;
  }
  rewinddir(dir);  // a duplicate shares the offset, which an earlier pass left at the end
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

// How deep the removal descends before it moves a subtree up to the top (see Walk): one fd is
// open per level, and a target may nest directories thousands deep.
constexpr int kMaxDepth = 64;
// Passes over the top before giving up: each moves what lies below kMaxDepth up by kMaxDepth.
constexpr int kMaxPasses = 100000;

struct Walk {
  int top;  // the TMPDIR itself
  const Birth& run_start;
  std::uint64_t moved = 0;  // names given to subtrees moved to the top
  bool again = false;       // a subtree was moved up: another pass is due
};

// Moves directory `name` of `dirfd` to the top under a fresh name, for a later pass.
bool move_to_top(int dirfd, const std::string& name, Walk& walk) {
  for (int tries = 0; tries < 64; ++tries) {
    const std::string fresh = ".hermetic-deep-" + std::to_string(walk.moved++);
    if (syscall(SYS_renameat2, dirfd, name.c_str(), walk.top, fresh.c_str(), RENAME_NOREPLACE) ==
        0) {
      walk.again = true;
      return true;
    }
    if (errno != EEXIST) return false;
  }
  return false;
}

bool remove_contents(int dirfd, Walk& walk, int depth) {
  bool all = true;
  for (const auto& name : entries(dirfd)) {
    if (unlinkat(dirfd, name.c_str(), 0) == 0) continue;
    if (errno != EISDIR && errno != EPERM) {
      all = false;
      continue;
    }
    if (depth >= kMaxDepth) {
      all = move_to_top(dirfd, name, walk) && all;
      continue;
    }
    const Fd sub = open_subdir(dirfd, name.c_str(), walk.run_start);
    all = sub && remove_contents(sub.get(), walk, depth + 1) && all;
    if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) all = false;
  }
  return all;
}

}  // namespace

bool remove_tree(const std::string& path) noexcept {
  // Most runs leave the directory empty: one rmdir (which never follows a symlink) is enough.
  if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
  try {
    const std::filesystem::path p(path);
    const Fd parent(open(p.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return errno == ENOENT;
    const std::string name = p.filename().string();
    const Birth run_start = birth_of(parent.get(), name.c_str());  // hermetic made it at start
    const Fd dir = open_subdir(parent.get(), name.c_str(), run_start);
    if (!dir) return errno == ENOENT;
    Walk walk{dir.get(), run_start};
    bool contents = false;
    for (int pass = 0; pass < kMaxPasses; ++pass) {
      walk.again = false;
      contents = remove_contents(dir.get(), walk, 0);
      if (!walk.again) break;
    }
    return unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) == 0 && contents;
  } catch (...) {  // allocation failure: leave the directory rather than terminate
    return false;
  }
}

std::string tmpdir_parent() {
  const char* env = std::getenv("TMPDIR");
  return env != nullptr && env[0] == '/' ? std::string(env) : std::string("/tmp");
}

Result<PrivateTmpdir> PrivateTmpdir::create(const std::string& parent) {
  std::string templ = parent + "/hermetic-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return Error{"cannot create the private TMPDIR in " + parent + ": " + std::strerror(errno)};
  }
  std::error_code ec;
  std::string real = real_path(templ, ec);
  if (ec) {
    [[maybe_unused]] const bool removed = remove_tree(templ);
    return Error{"cannot resolve the private TMPDIR " + templ + ": " + ec.message()};
  }
  return PrivateTmpdir(std::move(real));
}

PrivateTmpdir::PrivateTmpdir(PrivateTmpdir&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

PrivateTmpdir& PrivateTmpdir::operator=(PrivateTmpdir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

PrivateTmpdir::~PrivateTmpdir() { remove(); }

bool PrivateTmpdir::remove() noexcept {
  if (path_.empty()) return true;
  const bool removed = remove_tree(path_);
  path_.clear();
  return removed;
}

}  // namespace hermetic
