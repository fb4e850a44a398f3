// What one trapped call uses, read from the caller: the objects of a file call (paths made
// absolute against the caller's cwd or dirfd, symlinks resolved as the kernel reaches the object),
// the destination of a network call, a new process, a program run. One table (call_uses.cpp) says
// which calls, with which arguments, and what each uses; learn mode's observer records these
// uses, and --report's supervisor judges them against the run's Landlock layers
// (landlock_report.hpp).
//
// Read from the caller's memory and /proc while the call waits: what is read may change before
// the kernel runs the call. Fine for observing and reporting, never for deciding.
#pragma once

#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "seccomp/syscall_rules.hpp"

namespace hermetic::call_uses {

struct Use {
  Use(std::string_view capability_, std::string_view operation_, std::string path_ = {},
      std::string path2_ = {}, std::string address_ = {}, long port_ = -1)
      : capability(capability_),
        operation(operation_),
        path(std::move(path_)),
        path2(std::move(path2_)),
        address(std::move(address_)),
        port(port_) {}

  std::string_view capability;  // as docs/report.md names them: fs_write, network, ...
  std::string_view operation;
  std::string path;   // a file: canonical, its last component kept when it is not followed
  std::string path2;  // rename's new name, link's existing file, a symlink's text
  std::string address;
  long port = -1;
  std::string_view syscall;  // the call that made the use ("openat", "renameat2")
  // What the call passes beyond its names, for a judge of its access: the open flags (open,
  // openat, openat2, creat), mknod's mode, renameat2's flags; 0 otherwise. Not part of key().
  std::uint64_t flags = 0;

  [[nodiscard]] auto key() const {
    return std::tie(capability, operation, path, path2, address, port);
  }
  bool operator<(const Use& other) const { return key() < other.key(); }
};

// The filter rows of every call the table decodes, each notifying (Action::supervise): learn
// mode's filter.
[[nodiscard]] std::vector<syscall_rules::Rule> rules();

// The table with its syscall numbers resolved for the native ABI, once.
class Decoder {
 public:
  Decoder();

  // The uses of one trapped call: none when no row matches it (another ABI, another syscall,
  // arguments the row does not match) or what it names cannot be read; several for sendmmsg.
  // An open of a file that does not exist for reading is no use (ENOENT whatever the policy),
  // nor is an exec of a file that is not there (execvp tries each PATH entry).
  [[nodiscard]] std::vector<Use> uses_of(const seccomp_notif& notification) const;

 private:
  std::vector<std::pair<int, std::size_t>> rows_;  // syscall number, index in the table
};

}  // namespace hermetic::call_uses
