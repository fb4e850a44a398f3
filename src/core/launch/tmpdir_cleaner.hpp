// The private TMPDIR's removal, handed to a small detached process so that hermetic can exec the
// target in place instead of staying as a waiting parent: the caller then waits for the target
// itself (its exit status, its signals, no hermetic process in between), and the removal is off
// the run's critical path.
#pragma once

#include <sys/types.h>

#include <string>

namespace hermetic::tmpdir_cleaner {

// Starts the cleaner for `path`, for a process about to exec the target in place (nothing it
// allocates afterwards is used by the cleaner). The cleaner removes `path` and everything in it
// once this process, by then the target, has exited, however it ends: exit, signal, SIGKILL, or
// a failed exec. It is created before the sandbox is applied (the TMPDIR's parent is not
// writable inside), starts no program, holds none of the caller's files (a pipe reading the
// target's output sees end-of-file when the target exits), sits in a session of its own (no
// terminal signal reaches it) and is invisible to the target's wait() (no exit signal).
// `watched`: the process whose exit starts the removal, when not the caller (0): a waiting
// hermetic, for the child it forked, so that the removal follows the end of the whole run (the
// processes the target left behind are killed first, launch.cpp).
// `launcher_end`, when given, receives the descriptor whose closing at the caller's exec tells the
// cleaner that the memory is its own: a caller that shares its descriptor table with a waiting
// hermetic (launch.cpp) has hermetic close it once the caller has exec'd.
// Returns the cleaner's pid, or -1, with nothing started, when the kernel lacks what it needs
// (pidfd_open, Linux 5.3); the caller then stays as a waiting parent.
[[nodiscard]] pid_t start(const std::string& path, pid_t watched = 0, int* launcher_end = nullptr);

}  // namespace hermetic::tmpdir_cleaner
