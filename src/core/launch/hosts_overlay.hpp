// A private /etc/hosts for the target: the file is written before fork; the child moves into a
// mount namespace of its own (inside a user namespace of its own when unprivileged, mapping its
// uid and gid to themselves) and bind-mounts it over /etc/hosts. Every resolver that reads
// /etc/hosts (glibc, musl, Go, c-ares) then finds the pinned names without DNS.
#pragma once

#include <sys/types.h>

#include <string>

#include "hermetic/result.hpp"

namespace hermetic::hosts_overlay {

// Where prepare() creates the file's directory: a mkdtemp template in $TMPDIR (or /tmp).
[[nodiscard]] std::string directory_template();

class Overlay {
 public:
  // Writes `content` to a fresh private file. Errors name the step.
  [[nodiscard]] static Result<Overlay> prepare(const std::string& content);

  // In the forked child, before the kernel layer: namespaces and the bind mount. Returns 0 or
  // an errno and names the step in `failed_step`. Async-signal-safe.
  [[nodiscard]] int apply(const char** failed_step) const noexcept;

  // The file's path. A read root (--fs-readonly=ROOT) must grant this file: once it is
  // mounted over /etc/hosts, Landlock checks this file, and a rule on /etc/hosts names the one
  // it hides.
  [[nodiscard]] const std::string& file() const { return file_; }

  // Leaves the file to another remover (spawn()'s monitor): this object no longer removes it.
  void release() noexcept {
    dir_.clear();
    file_.clear();
  }

  ~Overlay();  // removes the file (the target's mount keeps its content)
  Overlay(Overlay&& other) noexcept;
  Overlay& operator=(Overlay&&) = delete;
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

 private:
  Overlay() = default;
  std::string dir_;
  std::string file_;
  std::string uid_map_;  // "UID UID 1\n", written before fork: snprintf is not signal-safe
  std::string gid_map_;
};

}  // namespace hermetic::hosts_overlay
