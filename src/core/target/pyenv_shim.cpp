#include "target/pyenv_shim.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/path_search.hpp"

namespace hermetic::pyenv_shim {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// pyenv's version files: whitespace-separated names, '#' comments.
std::vector<std::string> read_version_file(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string word;
  while (in >> word) {
    if (word.front() == '#') {
      std::getline(in, word);
      continue;
    }
    out.push_back(word);
  }
  return out;
}

std::vector<std::string> selected_versions(const fs::path& root) {
  if (const char* env = std::getenv("PYENV_VERSION"); env != nullptr && *env != '\0') {
    return split(env, ':');
  }
  std::error_code ec;
  for (fs::path dir = fs::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / ".python-version", ec)) return read_version_file(dir / ".python-version");
    if (dir == dir.root_path()) break;
  }
  if (auto global = read_version_file(root / "version"); !global.empty()) return global;
  return {"system"};
}

}  // namespace

bool is_shim(const std::string& path) {
  if (fs::path(path).parent_path().filename() != "shims") return false;
  std::ifstream in(path);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.starts_with("#!") && head.find("pyenv") != std::string::npos;
}

std::optional<std::string> resolve(const std::string& shim_path, const std::string& path_env) {
  const fs::path shim(shim_path);
  const std::string name = shim.filename();
  fs::path root = shim.parent_path().parent_path();
  if (const char* env = std::getenv("PYENV_ROOT"); env != nullptr && *env != '\0') root = env;

  for (const auto& version : selected_versions(root)) {
    if (version == "system") {
      std::error_code ec;
      const fs::path root_canonical = fs::weakly_canonical(root, ec);
      auto found = path_search::find_if(name, path_env, [&](const std::string& dir) {
        std::error_code dir_ec;
        const auto canonical = fs::weakly_canonical(dir, dir_ec).string();
        return canonical.starts_with(root_canonical.string());  // pyenv's own shims and bin
      });
      if (found) return found;
      continue;
    }
    const fs::path candidate = root / "versions" / version / "bin" / name;
    if (path_search::is_executable_file(candidate)) return candidate.string();
  }
  return std::nullopt;
}

}  // namespace hermetic::pyenv_shim
