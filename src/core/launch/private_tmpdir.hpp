// The private temporary directory of one --fs-readonly run: created before the exec, exported to
// the target as TMPDIR/TMP/TEMP, writable inside the sandbox, removed once the target has exited
// (by the detached cleaner, tmpdir_cleaner.hpp, or by a waiting parent).
#pragma once

#include <string>

#include "hermetic/result.hpp"

namespace hermetic {

// Where private TMPDIRs are made: the caller's $TMPDIR when it is an absolute path, else /tmp.
[[nodiscard]] std::string tmpdir_parent();

class PrivateTmpdir {
 public:
  // A new mode-0700 directory "hermetic-XXXXXX" under `parent` (the caller's TMPDIR, else /tmp),
  // by its canonical path (Landlock rules and the target see the same path).
  [[nodiscard]] static Result<PrivateTmpdir> create(const std::string& parent);

  PrivateTmpdir(PrivateTmpdir&& other) noexcept;
  PrivateTmpdir& operator=(PrivateTmpdir&& other) noexcept;
  PrivateTmpdir(const PrivateTmpdir&) = delete;
  PrivateTmpdir& operator=(const PrivateTmpdir&) = delete;
  ~PrivateTmpdir();  // remove(), errors ignored

  [[nodiscard]] const std::string& path() const { return path_; }

  // Removes the directory and all it holds. Returns false if something could not be removed.
  // Idempotent.
  bool remove() noexcept;
  // Leaves the directory to another remover (a detached cleaner): this object no longer
  // removes it.
  void release() noexcept { path_.clear(); }

 private:
  explicit PrivateTmpdir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Deletes `path` and everything beneath it through directory fds (openat/unlinkat, never
// following a symlink), so that a process the target left running cannot redirect the deletion
// outside the tree by swapping a directory for a symlink. Directories the target made
// unreadable (mkdir with mode 0; chmod is denied, but not mode bits at creation) are opened up
// first. Returns false if anything is left.
[[nodiscard]] bool remove_tree(const std::string& path) noexcept;

}  // namespace hermetic
