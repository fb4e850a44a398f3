// The programs --allow-exec lets a --no-subprocess run start, as the kernel layer grants them
// (Landlock EXECUTE, and READ_FILE under a read root).
//
// An entry is a program file, a directory (every program beneath it, as /usr/lib/git-core), or
// a bare name without '/' that is looked up on the target's PATH when the run is planned (as a
// shell would find it then; a program installed later, or earlier on PATH, is not the one
// granted). Paths are granted by their real path: a symlink elsewhere to a listed program is
// not itself granted, but exec follows it to the granted file and runs it.
//
// What the kernel needs to start a listed program is granted with it: the ELF interpreter named
// by its PT_INTERP (the kernel opens it for exec too, and Landlock checks that open). A `#!`
// interpreter is not added: an interpreter runs any code it is given, so granting one must be
// the user's visible choice. A listed file whose `#!` interpreter is not granted (by the list or
// as the target's own) is an error naming both; scripts beneath a listed directory are not read.
#pragma once

#include <string>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::exec_allow {

struct Grant {
  std::string path;  // real path: a file, or a directory granting every file beneath it
  bool directory = false;
  bool listed = true;  // one of the user's entries; false for a loader granted for one
  std::string why;     // for --explain and the Landlock layer's rule
};

// The user's entries first (real paths, in order, without duplicates), then the loaders they
// need. `target_chain` is what the target's own exec runs (exec_chain::files_executed), granted
// separately; it counts as granted when a listed script's interpreter is checked. Errors are one
// line naming the entry: a missing path, a name not on `path_env`, an interpreter not granted.
[[nodiscard]] Result<std::vector<Grant>> resolve(const std::vector<std::string>& entries,
                                                 const std::string& path_env,
                                                 const std::vector<std::string>& target_chain);

// Whether `real_file` (a real path) is `grant`'s file or lies beneath its directory.
[[nodiscard]] bool covers(const Grant& grant, const std::string& real_file);

// The user's entries among `grants` (not the loaders added for them), then the programs of the
// target's own chain (`target_chain`, without its ELF loaders), as real paths: what the
// in-process layer matches a program against, as the kernel lets them all run (a Python target
// that starts itself again, as multiprocessing and pip do).
[[nodiscard]] std::vector<std::string> listed_paths(const std::vector<Grant>& grants,
                                                    const std::vector<std::string>& target_chain);

}  // namespace hermetic::exec_allow
