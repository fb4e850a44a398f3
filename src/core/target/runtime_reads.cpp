#include "target/runtime_reads.hpp"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "base/fd.hpp"
#include "base/path_search.hpp"
#include "hermetic/real_path.hpp"
#include "target/exec_chain.hpp"
#include "target/pyenv_shim.hpp"
#include "target/python_layout.hpp"

namespace hermetic::runtime_reads {
namespace fs = std::filesystem;
namespace {

// ldconfig allows a few levels of `include`; a loop in the config must not hang hermetic.
constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxShebangDepth = 4;  // the kernel's BINPRM_MAX_RECURSION

// glob_t owns what glob() allocates; globfree() is safe on a zeroed one.
class Glob {
 public:
  explicit Glob(const std::string& pattern) { ok_ = glob(pattern.c_str(), 0, nullptr, &g_) == 0; }
  ~Glob() { globfree(&g_); }
  Glob(const Glob&) = delete;
  Glob& operator=(const Glob&) = delete;
  Glob(Glob&&) = delete;
  Glob& operator=(Glob&&) = delete;

  [[nodiscard]] std::vector<std::string> paths() const {
    std::vector<std::string> out;
    if (!ok_) return out;
    for (std::size_t i = 0; i < g_.gl_pathc; ++i) out.emplace_back(g_.gl_pathv[i]);
    return out;
  }

 private:
  glob_t g_{};
  bool ok_ = false;
};

// The file's text; empty when it cannot be read. One read where an ifstream and a
// getline/istringstream per line cost ~4% of a --fs-readonly=ROOT launch (/etc/ld.so.conf and
// its includes are read at every one).
std::string text_of(const fs::path& file) {
  std::string text;
  const Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return text;
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(n));
  }
  return text;
}

// The whitespace-separated words of `line`, as `istream >> word` splits them.
std::vector<std::string_view> words_of(std::string_view line) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  std::vector<std::string_view> words;
  for (auto start = line.find_first_not_of(kSpace); start != std::string_view::npos;
       start = line.find_first_not_of(kSpace, start)) {
    const auto end = std::min(line.find_first_of(kSpace, start), line.size());
    words.push_back(line.substr(start, end - start));
    start = end;
  }
  return words;
}

void read_loader_config(const fs::path& file, int depth, std::vector<std::string>& dirs) {
  if (depth > kMaxIncludeDepth) return;
  const std::string text = text_of(file);
  std::string_view rest(text);
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    line = line.substr(0, line.find('#'));
    const auto words = words_of(line);
    if (words.empty()) continue;
    if (words.front() == "include") {
      for (std::size_t i = 1; i < words.size(); ++i) {
        std::string pattern(words[i]);
        if (!pattern.starts_with('/')) pattern = (file.parent_path() / pattern).string();
        for (const auto& included : Glob(pattern).paths()) {
          read_loader_config(included, depth + 1, dirs);
        }
      }
    } else if (words.front().starts_with('/')) {
      const std::string_view word = words.front();
      dirs.emplace_back(word.substr(0, word.find('=')));  // old "dir=TYPE" form
    }
  }
}

void add_env_list(std::vector<fs_layers::ReadNeed>& out, const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return;
  std::stringstream list(value);
  std::string entry;
  while (std::getline(list, entry, ':')) {
    if (entry.starts_with('/')) out.push_back({entry, std::string("$") + name});
  }
}

}  // namespace

std::vector<std::string> loader_config_dirs(const std::string& config_file) {
  std::vector<std::string> dirs;
  read_loader_config(config_file, 0, dirs);
  return dirs;
}

std::vector<fs_layers::ReadNeed> find(const std::string& exec_path, const std::string& path_env) {
  std::vector<fs_layers::ReadNeed> out;
  for (const auto& dir : loader_config_dirs("/etc/ld.so.conf")) {
    out.push_back({dir, "shared libraries (/etc/ld.so.conf)"});
  }
  add_env_list(out, "LD_LIBRARY_PATH");

  // Walk the #! chain by the paths the kernel execs (not resolved: a venv is found from them).
  bool python = false;
  std::string current = exec_path;
  for (int depth = 0; depth <= kMaxShebangDepth && !current.empty(); ++depth) {
    if (pyenv_shim::is_shim(current)) {
      // A shim reached through `#!/usr/bin/env python3`: bash runs pyenv's scripts, which
      // then exec the selected interpreter (target::resolve only replaces a shim target).
      out.push_back({fs::path(current).parent_path().parent_path().string(),
                     "pyenv (runs the shim " + current + ")"});
      if (auto real = pyenv_shim::resolve(current, path_env)) current = *real;
    }
    if (python_layout::is_python(current)) {
      python = true;
      for (auto& need : python_layout::needs(current)) out.push_back(std::move(need));
    }
    std::error_code ec;
    const std::string real = real_path(current, ec);
    if (ec) break;
    const auto shebang = exec_chain::read_shebang(real);
    current = shebang.interpreter;
    if (fs::path(current).filename() == "env" && !shebang.argument.empty()) {
      const std::string name = shebang.argument.substr(0, shebang.argument.find(' '));
      current = path_search::find(name, path_env).value_or("");
    }
  }
  if (python) {
    add_env_list(out, "PYTHONHOME");
    add_env_list(out, "PYTHONPATH");
  }
  return out;
}

}  // namespace hermetic::runtime_reads
