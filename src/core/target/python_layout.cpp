#include "target/python_layout.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "hermetic/real_path.hpp"

namespace hermetic::python_layout {
namespace fs = std::filesystem;
namespace {

// `home = /usr/bin` from pyvenv.cfg; empty when absent.
std::string venv_home(const fs::path& cfg) {
  std::ifstream in(cfg);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    key.erase(key.find_last_not_of(" \t") + 1);
    if (key != "home") continue;
    const auto value_begin = line.find_first_not_of(" \t", eq + 1);
    if (value_begin == std::string::npos) return {};
    std::string value = line.substr(value_begin);
    value.erase(value.find_last_not_of(" \t\r") + 1);
    return value;
  }
  return {};
}

void add_prefix_lib(std::vector<fs_layers::ReadNeed>& out, const fs::path& bin_dir,
                    const std::string& why) {
  out.push_back({(bin_dir.parent_path() / "lib").string(), why});
  out.push_back({(bin_dir.parent_path() / "lib64").string(), why});
}

}  // namespace

bool is_python(const std::string& path) {
  // (python|pypy)(\d+(\.\d+)?t?)?, without std::regex (it costs more than the rest of a launch).
  const std::string name = fs::path(path).filename().string();
  std::string_view rest(name);
  if (rest.starts_with("python")) {
    rest.remove_prefix(6);
  } else if (rest.starts_with("pypy")) {
    rest.remove_prefix(4);
  } else {
    return false;
  }
  if (rest.empty()) return true;
  if (rest.back() == 't') rest.remove_suffix(1);
  const auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return digits(rest);
  return digits(rest.substr(0, dot)) && digits(rest.substr(dot + 1));
}

std::vector<fs_layers::ReadNeed> needs(const std::string& exec_path) {
  std::vector<fs_layers::ReadNeed> out;
  std::error_code ec;
  const fs::path real = real_path(exec_path, ec);
  if (ec) return out;
  add_prefix_lib(out, real.parent_path(), "Python prefix of " + real.string());
  const std::string name = real.filename().string();
  if (name.starts_with("python") && name.find('.') != std::string::npos) {
    out.push_back({"/etc/" + name, "Debian's per-version Python config"});
    // The user site (pip install --user): only its site-packages, not the rest of ~/.local.
    const char* base = std::getenv("PYTHONUSERBASE");
    const char* home = std::getenv("HOME");
    const fs::path user_base = base != nullptr && *base == '/'   ? fs::path(base)
                               : home != nullptr && *home == '/' ? fs::path(home) / ".local"
                                                                 : fs::path();
    if (!user_base.empty()) {
      out.push_back({(user_base / "lib" / name / "site-packages").string(), "user site-packages"});
    }
  }

  const fs::path bin_dir = fs::path(exec_path).parent_path();
  for (const fs::path& dir : {bin_dir, bin_dir.parent_path()}) {
    const fs::path cfg = dir / "pyvenv.cfg";
    if (!fs::is_regular_file(cfg, ec)) continue;
    out.push_back({dir.string(), "virtual environment of " + exec_path});
    if (const std::string home = venv_home(cfg); !home.empty()) {
      const fs::path home_real = fs::weakly_canonical(home, ec);
      add_prefix_lib(out, home_real, "base interpreter of the virtual environment");
    }
    break;
  }
  return out;
}

}  // namespace hermetic::python_layout
