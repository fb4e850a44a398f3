// Finding the program to exec: PATH lookup as execvp does it, a script's `#!/usr/bin/env NAME`
// done here as env would do it (env's own exec of NAME would be a second exec, which
// --no-subprocess forbids), then pyenv shims replaced by the interpreter they would run (a shim
// forks `pyenv`, which --no-subprocess forbids, and its chain of bash scripts would all need exec
// rights).
#pragma once

#include <string>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::target {

struct Resolved {
  std::string exec_path;          // what to pass to execve (symlinks kept: venvs rely on them)
  std::vector<std::string> argv;  // rewritten only for `#!/usr/bin/env NAME` and pyenv shims
};

// `path_env` is the PATH to search (the caller's). Errors carry exit code 127 (not found) or 126
// (found but not executable), as shells report them.
[[nodiscard]] Result<Resolved> resolve(const std::vector<std::string>& argv,
                                       const std::string& path_env);

}  // namespace hermetic::target
