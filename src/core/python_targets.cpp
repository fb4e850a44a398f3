#include "python_targets.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cctype>
#include <filesystem>

#include "path_search.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX global

namespace hermetic::python_targets {
namespace fs = std::filesystem;
namespace {

bool is_dotted_identifier(const std::string& text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  bool at_start = true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (at_start) return false;  // ".."
      at_start = true;
      continue;
    }
    if (at_start && std::isdigit(u) != 0) return false;
    if (std::isalnum(u) == 0 && c != '_') return false;
    at_start = false;
  }
  return true;
}

// Whether `python` can import `module` (without running it): one short interpreter start,
// paid only on the fallback path, where the alternative is "command not found".
bool module_exists(const std::string& python, const std::string& module) {
  const std::string code =
      "import importlib.util, sys\n"
      "try:\n"
      "    found = importlib.util.find_spec(sys.argv[1]) is not None\n"
      "except (ImportError, ValueError):\n"
      "    found = False\n"
      "sys.exit(0 if found else 1)\n";
  std::vector<std::string> args{python, "-I", "-c", code, module};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::optional<std::string> home_python(const std::string& path_env) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* name : {"python3", "python"}) {
      const fs::path candidate = exe.parent_path() / name;
      if (path_search::is_executable_file(candidate)) return candidate.string();
    }
  }
  return path_search::find("python3", path_env);
}

bool is_module_attr(const std::string& target) {
  const auto colon = target.find(':');
  if (colon == std::string::npos || target.find('/') != std::string::npos) return false;
  return is_dotted_identifier(target.substr(0, colon)) &&
         is_dotted_identifier(target.substr(colon + 1));
}

std::optional<std::vector<std::string>> rewrite(const std::vector<std::string>& argv,
                                                const std::string& path_env) {
  if (argv.empty()) return std::nullopt;
  const std::string& target = argv.front();
  if (target.find('/') != std::string::npos) return std::nullopt;
  const bool module_attr = is_module_attr(target);
  if (!module_attr && (path_search::find(target, path_env) || !is_dotted_identifier(target))) {
    return std::nullopt;  // a program, or not a module name
  }
  const auto python = home_python(path_env);
  if (!python) return std::nullopt;
  std::vector<std::string> out{*python};
  if (module_attr) {
    // As hermetic-seal: sys.argv is the target's argv; a callable attr is called and an int
    // result is the exit status; anything else runs the module as a script.
    out.insert(out.end(), {"-c",
                           "import importlib, runpy, sys\n"
                           "module, _, attr = sys.argv[1].partition(':')\n"
                           "sys.argv = sys.argv[1:]\n"
                           "func = getattr(importlib.import_module(module), attr)\n"
                           "if not callable(func):\n"
                           "    runpy.run_module(module, run_name='__main__')\n"
                           "    sys.exit(0)\n"
                           "result = func()\n"
                           "sys.exit(result if isinstance(result, int) else 0)\n"});
  } else {
    if (!module_exists(*python, target)) return std::nullopt;
    out.emplace_back("-m");
  }
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace hermetic::python_targets
