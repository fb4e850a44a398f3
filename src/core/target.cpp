#include "target.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "hermetic/launch.hpp"
#include "path_search.hpp"
#include "pyenv_shim.hpp"

namespace hermetic::target {

Result<Resolved> resolve(const std::vector<std::string>& argv, const std::string& path_env) {
  if (argv.empty() || argv.front().empty()) {
    return Error{"no target given after '--'", exit_code::kUsage};
  }
  const std::string& name = argv.front();
  Resolved out{name, argv};

  if (name.find('/') == std::string::npos) {
    auto found = path_search::find(name, path_env);
    if (!found) return Error{"command not found: " + name, exit_code::kNotFound};
    out.exec_path = *found;
  } else {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) {
      return Error{"command not found: " + name, exit_code::kNotFound};
    }
    if (!S_ISREG(st.st_mode) || ::access(name.c_str(), X_OK) != 0) {
      return Error{"not an executable file: " + name, exit_code::kNotExecutable};
    }
  }

  if (pyenv_shim::is_shim(out.exec_path)) {
    if (auto real = pyenv_shim::resolve(out.exec_path, path_env)) {
      // pyenv itself execs the full path, so argv[0] is that path; Python derives
      // sys.executable and its prefix from it.
      out.exec_path = *real;
      out.argv.front() = *real;
    }
  }
  return out;
}

}  // namespace hermetic::target
