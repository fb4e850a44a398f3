// The Landlock layers of --fs-readonly (writes) and --fs-readonly=ROOT (reads), computed from
// facts gathered before fork. Pure: the filesystem is only consulted through `exists`, so the
// rules can be unit-tested and printed by --explain without running anything.
//
// Layer "read-only filesystem" handles every write right of the running ABI and grants them on
//   - /dev/null, /dev/zero, /dev/full (discarded output) and the terminal (/dev/tty, /dev/pts,
//     /dev/ptmx); stdio fds the target inherits stay usable anyway (Landlock checks at open);
//   - the run's private TMPDIR and each --allow-write path, minus MAKE_CHAR/MAKE_BLOCK: a
//     privileged target could otherwise create a node for a disk there and write through it;
//   - a regular file inherited as stdout/stderr, that file only (so /dev/stdout works);
//   - the --report file, WRITE_FILE on that file only: the target's own layers (the preloaded
//     library, the in-process layer) append their lines to it.
// REFER is granted only inside the writable places: a hard link or rename from outside into
// them fails, so nothing read-only (or unreadable) becomes writable (or readable) by a new name.
// Layer "reads confined to ROOT" handles READ_FILE, READ_DIR, EXECUTE (and REFER) and grants
// reads on ROOT, --allow-read, --allow-write, the TMPDIR, the exec chain, the programs of
// --allow-exec (a program runs only where it can be read), what the runtime
// needs (`runtime_reads`) and a fixed set of system paths that hold no user data (see
// fs_layers.cpp). Exec needs READ_FILE under this layer, so EXECUTE follows READ except on
// data-only paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "landlock/landlock.hpp"

namespace hermetic::fs_layers {

// A path the target needs to read, found automatically, with the reason shown by --explain.
struct ReadNeed {
  std::string path;
  std::string why;
};

// A regular file open as one of this process's stdio fds.
struct InheritedFile {
  int fd;
  std::string path;  // where it is, for --explain
};

struct Inputs {
  int landlock_abi = 0;                  // rights newer than this ABI are left out
  std::string private_tmpdir;            // empty: none (applying to a running process)
  std::vector<std::string> allow_write;  // absolute paths that exist
  std::optional<std::string> read_root;  // set: the read layer is built
  std::vector<std::string> allow_read;   // absolute paths that exist
  std::vector<std::string> exec_files;   // exec_chain::files_executed
  std::vector<ReadNeed> exec_allowed;    // --allow-exec programs and their loaders (exec_allow)
  std::vector<ReadNeed> runtime_reads;   // optional: skipped when missing
  // Regular files the target inherits as stdin/stdout/stderr, by the direction they are open
  // in. The target can already use them through the fds; these rules keep /dev/stdout,
  // /dev/stdin and /proc/self/fd/N working (reopening goes through the path, which Landlock
  // checks). Each rule is for that one file, named by "/proc/self/fd/N" so that the rule is
  // added for the very inode hermetic holds (no window for the path to change).
  std::vector<InheritedFile> stdio_read;
  std::vector<InheritedFile> stdio_write;
  // Pseudo-terminals among the stdio fds: under a read root only these of /dev/pts are
  // readable by path (another session's pty would give away what its user types).
  std::vector<InheritedFile> terminals;
  // The --report file (absolute, existing), empty without one.
  std::string report_file;
};

// The write-type filesystem rights the ABI knows (ABI 1 rights, REFER from 2, IOCTL_DEV from 5),
// but not TRUNCATE (ABI 3): seccomp refuses truncation without write access instead, since a
// layer handling TRUNCATE makes every open walk its path to the root. An ABI below 1 is treated
// as 1 so that building the layer fails closed.
[[nodiscard]] std::uint64_t write_rights(int abi);

// READ_FILE, READ_DIR, EXECUTE, and REFER from ABI 2 (handled so that it can be granted where
// writes are allowed: Landlock denies cross-directory rename/link in every layer otherwise).
[[nodiscard]] std::uint64_t read_rights(int abi);

// The layers for `inputs`: none, the write layer, or both. Fixed system paths, devices and
// runtime reads are optional rules (left out by landlock::build where missing: no stat first);
// the other paths are expected to exist.
[[nodiscard]] std::vector<landlock::Layer> layers(const Inputs& inputs);

// Names of the rights in `mask`, space-separated ("read_file read_dir"), for --explain.
[[nodiscard]] std::string rights_names(std::uint64_t mask);

}  // namespace hermetic::fs_layers
