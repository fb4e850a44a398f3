#include "target/python_targets.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cctype>
#include <filesystem>

#include "base/path_search.hpp"

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

// Whether `python -m module` would find `module`, decided without running any code of the
// target's environment: this check runs before the sandbox exists. So the interpreter starts
// isolated (-I: no PYTHON* variables, no current directory) and without site (-S: no .pth file,
// no sitecustomize), and the probe rebuilds the search path the real run will have (current
// directory, PYTHONPATH, the standard library, the virtual environment's and the user's and the
// system's site-packages, the directories .pth files name) and looks each part of a dotted name
// up with PathFinder, never importing a parent package (whose __init__ is code).
bool module_exists(const std::string& python, const std::string& module) {
  const std::string code = R"(import os, sys
import site  # the module only: under -S site.main(), which runs .pth files, never runs
from importlib.machinery import BuiltinImporter, FrozenImporter, PathFinder

def venv():
    # (prefix, system site-packages too?) as site.venv() reads pyvenv.cfg
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    for d in (exe_dir, os.path.dirname(exe_dir)):
        cfg = os.path.join(d, "pyvenv.cfg")
        if os.path.isfile(cfg):
            system = True
            with open(cfg, encoding="utf-8") as f:
                for line in f:
                    key, eq, value = line.partition("=")
                    if eq and key.strip().lower() == "include-system-site-packages":
                        system = value.strip().lower() == "true"
            return os.path.dirname(exe_dir), system
    return None, True

def pth_dirs(site_dir):
    # the directories .pth files add, as site.addpackage does; their import lines are not run
    try:
        names = sorted(n for n in os.listdir(site_dir) if n.endswith(".pth"))
    except OSError:
        return []
    out = []
    for name in names:
        try:
            with open(os.path.join(site_dir, name), encoding="utf-8") as f:
                for line in f:
                    line = line.rstrip()
                    if not line or line.startswith("#") or line.startswith(("import ", "import	")):
                        continue
                    path = os.path.join(site_dir, line)
                    if os.path.isdir(path):
                        out.append(path)
        except (OSError, UnicodeDecodeError):
            pass
    return out

prefix, system_site = venv()
env = os.environ
site_dirs = site.getsitepackages([prefix]) if prefix else []
if system_site and not env.get("PYTHONNOUSERSITE") and os.getuid() == os.geteuid():
    site_dirs.append(site.getusersitepackages())
if system_site:
    site_dirs += site.getsitepackages()
paths = [os.getcwd()]
paths += [p or os.getcwd() for p in env.get("PYTHONPATH", "").split(os.pathsep) if env.get("PYTHONPATH")]
paths += sys.path
for d in site_dirs:
    paths += [d] + pth_dirs(d)

parts = sys.argv[1].split(".")
try:
    if len(parts) == 1 and (BuiltinImporter.find_spec(parts[0]) or FrozenImporter.find_spec(parts[0])):
        sys.exit(0)
    search = paths
    for i in range(len(parts)):
        spec = PathFinder.find_spec(".".join(parts[: i + 1]), search)
        if spec is None:
            sys.exit(1)
        if i + 1 < len(parts):
            if spec.submodule_search_locations is None:
                sys.exit(1)
            search = list(spec.submodule_search_locations)
except (ImportError, ValueError, OSError):
    sys.exit(1)
sys.exit(0)
)";
  std::vector<std::string> args{python, "-I", "-S", "-c", code, module};
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
