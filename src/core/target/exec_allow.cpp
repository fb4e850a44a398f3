#include "target/exec_allow.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "base/path_search.hpp"
#include "hermetic/real_path.hpp"
#include "target/exec_chain.hpp"

namespace hermetic::exec_allow {
namespace fs = std::filesystem;
namespace {

// A directory entry is scanned file by file for the loaders its programs name; beyond this many
// files the scan would cost the run's start-up more than a list of programs would.
constexpr std::size_t kMaxFilesScanned = 20000;

Result<Grant> resolve_entry(const std::string& entry, const std::string& path_env) {
  std::string path = entry;
  if (entry.find('/') == std::string::npos) {
    auto found = path_search::find(entry, path_env);
    if (!found) return Error{"--allow-exec: no program named '" + entry + "' on PATH"};
    path = *found;
  }
  std::error_code ec;
  std::string real = real_path(path, ec);
  if (ec) return Error{"--allow-exec path does not exist: " + entry};
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return Error{"--allow-exec path does not exist: " + entry};
  if (S_ISDIR(st.st_mode)) return Grant{real, true, true, "--allow-exec " + entry};
  if (!path_search::is_executable_file(real)) {
    return Error{"--allow-exec " + entry + " is not a program (an executable file or a directory)"};
  }
  return Grant{real, false, true, "--allow-exec " + entry};
}

bool granted(const std::vector<Grant>& grants, const std::vector<std::string>& target_chain,
             const std::string& real_file) {
  return std::find(target_chain.begin(), target_chain.end(), real_file) != target_chain.end() ||
         std::any_of(grants.begin(), grants.end(),
                     [&](const Grant& g) { return covers(g, real_file); });
}

void add_loader(std::vector<Grant>& grants, const std::string& program) {
  const std::string loader = exec_chain::elf_interpreter(program);
  if (loader.empty()) return;
  std::error_code ec;
  std::string real = real_path(loader, ec);
  if (ec) return;  // a program whose loader is missing cannot start anyway
  if (std::any_of(grants.begin(), grants.end(), [&](const Grant& g) { return covers(g, real); })) {
    return;
  }
  grants.push_back({std::move(real), false, false, "ELF loader of " + program});
}

// A listed script runs only with its `#!` interpreter, which must be granted on its own.
Status check_interpreter(const std::vector<Grant>& grants,
                         const std::vector<std::string>& target_chain, const Grant& script,
                         const std::string& path_env) {
  const auto shebang = exec_chain::read_shebang(script.path);
  if (shebang.interpreter.empty()) return Ok{};
  std::vector<std::string> needed{shebang.interpreter};
  if (fs::path(shebang.interpreter).filename() == "env" && !shebang.argument.empty()) {
    const std::string name = shebang.argument.substr(0, shebang.argument.find(' '));
    auto found = path_search::find(name, path_env);
    needed.push_back(found ? *found : name);
  }
  for (const auto& interpreter : needed) {
    std::error_code ec;
    const std::string real = real_path(interpreter, ec);
    if (ec || !granted(grants, target_chain, real)) {
      return Error{"--allow-exec " + script.path + ": its #! interpreter " + interpreter +
                   " is not allowed; add --allow-exec " + interpreter +
                   " (an interpreter runs any code it is given)"};
    }
  }
  return Ok{};
}

Status add_loaders_beneath(std::vector<Grant>& grants, const Grant& directory) {
  std::error_code ec;
  std::size_t scanned = 0;
  for (fs::recursive_directory_iterator
           it(directory.path, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    // Symlinks are skipped: exec follows them out of the directory, where nothing is granted.
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (++scanned > kMaxFilesScanned) {
      return Error{"--allow-exec " + directory.path + ": more than " +
                   std::to_string(kMaxFilesScanned) +
                   " files beneath it; list its programs or a smaller directory"};
    }
    const std::string file = it->path().string();
    if (path_search::is_executable_file(file)) add_loader(grants, file);
  }
  return Ok{};
}

}  // namespace

bool covers(const Grant& grant, const std::string& real_file) {
  if (!grant.directory) return real_file == grant.path;
  if (grant.path == "/") return true;
  return real_file.size() > grant.path.size() && real_file.starts_with(grant.path) &&
         real_file[grant.path.size()] == '/';
}

Result<std::vector<Grant>> resolve(const std::vector<std::string>& entries,
                                   const std::string& path_env,
                                   const std::vector<std::string>& target_chain) {
  std::vector<Grant> grants;
  for (const auto& entry : entries) {
    auto grant = resolve_entry(entry, path_env);
    if (!grant) return grant.error();
    const bool seen = std::any_of(grants.begin(), grants.end(),
                                  [&](const Grant& g) { return g.path == grant.value().path; });
    if (!seen) grants.push_back(std::move(grant).value());
  }
  const std::size_t listed = grants.size();
  for (std::size_t i = 0; i < listed; ++i) {
    const Grant entry = grants[i];  // a copy: adding loaders may move the vector
    if (entry.directory) {
      if (auto scanned = add_loaders_beneath(grants, entry); !scanned) return scanned.error();
      continue;
    }
    if (auto checked = check_interpreter(grants, target_chain, entry, path_env); !checked) {
      return checked.error();
    }
    add_loader(grants, entry.path);
  }
  return grants;
}

std::vector<std::string> listed_paths(const std::vector<Grant>& grants,
                                      const std::vector<std::string>& target_chain) {
  std::vector<std::string> out;
  for (const auto& grant : grants) {
    if (grant.listed) out.push_back(grant.path);
  }
  std::vector<std::string> loaders;
  for (const auto& file : target_chain) {
    std::error_code ec;
    if (auto loader = exec_chain::elf_interpreter(file); !loader.empty()) {
      loaders.push_back(real_path(loader, ec));
    }
  }
  for (const auto& file : target_chain) {
    const bool loader = std::find(loaders.begin(), loaders.end(), file) != loaders.end();
    if (!loader && std::find(out.begin(), out.end(), file) == out.end()) out.push_back(file);
  }
  return out;
}

}  // namespace hermetic::exec_allow
