#include "target/target.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/path_search.hpp"
#include "hermetic/launch.hpp"
#include "target/exec_chain.hpp"
#include "target/pyenv_shim.hpp"

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

  // `#!/usr/bin/env NAME`: the kernel would run env with [env, NAME, script, args...], and env
  // execvp's NAME with [NAME, script, args...]. Do that exec here instead. Options to env (`-S`)
  // are left to env. A pyenv shim is such a script too, but resolved as a whole below; NAME may
  // itself be a shim.
  if (!pyenv_shim::is_shim(out.exec_path)) {
    const auto shebang = exec_chain::read_shebang(out.exec_path);
    const std::string& env_arg = shebang.argument;
    if (std::filesystem::path(shebang.interpreter).filename() == "env" && !env_arg.empty() &&
        env_arg.front() != '-' && env_arg.find_first_of(" \t/") == std::string::npos) {
      auto interpreter = path_search::find(env_arg, path_env);
      if (!interpreter) {
        return Error{
            "command not found: " + env_arg + " (the #! interpreter of " + out.exec_path + ")",
            exit_code::kNotFound};
      }
      std::vector<std::string> env_argv{env_arg, out.exec_path};
      env_argv.insert(env_argv.end(), argv.begin() + 1, argv.end());
      out.argv = std::move(env_argv);
      out.exec_path = *interpreter;
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
