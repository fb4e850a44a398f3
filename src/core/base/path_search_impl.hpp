#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

namespace hermetic::path_search {

inline bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

template <class SkipDir>
std::optional<std::string> find_if(const std::string& name, const std::string& path_env,
                                   SkipDir skip_dir) {
  std::string_view rest = path_env;
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view entry = rest.substr(0, colon);
    // An empty PATH entry means the working directory.
    const std::string dir(entry.empty() ? std::string_view(".") : entry);
    if (!skip_dir(dir)) {
      // Appended in place: `dir + "/" + name` trips GCC 12's -Wrestrict false positive (GCC
      // bug 105329) once inlined.
      std::string candidate;
      candidate.reserve(dir.size() + 1 + name.size());
      candidate.append(dir).append(1, '/').append(name);
      if (is_executable_file(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

inline std::optional<std::string> find(const std::string& name, const std::string& path_env) {
  return find_if(name, path_env, [](const std::string&) { return false; });
}

}  // namespace hermetic::path_search
