#include "learn/grants.hpp"

#include <cstdlib>
#include <filesystem>

#include "base/path_search.hpp"
#include "hermetic/probe.hpp"
#include "launch/run_plan.hpp"
#include "target/exec_chain.hpp"

namespace hermetic::learn {
namespace {

namespace fs = std::filesystem;

std::string canonical_or_same(const std::string& path) {
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  return ec ? path : real.string();
}

}  // namespace

Grants grants_for(const std::vector<std::string>& argv, const std::string& exec_path,
                  const std::string& tmpdir, const std::string& root) {
  Grants grants;
  grants.root = root;
  const char* home = std::getenv("HOME");
  grants.home = home != nullptr ? canonical_or_same(home) : "";
  const char* path_env_c = std::getenv("PATH");
  const std::string path_env = path_env_c != nullptr ? path_env_c : "/usr/bin:/bin";
  Policy policy;
  policy.fs_readonly = true;
  policy.fs_root = root;
  // The very rules an enforced run would apply; without a plan (a target that cannot be
  // planned), nothing is taken as granted and the policy only grows.
  if (auto plan = plan_run(policy, argv, probe_kernel_for(policy), path_env, tmpdir, "")) {
    for (const auto& layer : plan.value().kernel.landlock_layers) {
      const bool reads = layer.purpose.starts_with("reads confined");
      const bool writes = layer.purpose == "read-only filesystem";
      for (const auto& rule : layer.rules) {
        if (rule.path.starts_with("/proc/self/fd/")) continue;  // stdio files, by fd
        if (reads) grants.reads.push_back(canonical_or_same(rule.path));
        if (writes) grants.writes.push_back(canonical_or_same(rule.path));
      }
    }
  }
  if (!tmpdir.empty()) grants.writes.push_back(tmpdir);
  if (auto chain = exec_chain::files_executed(exec_path, path_env)) grants.execs = chain.value();
  grants.execs.push_back(canonical_or_same(exec_path));
  grants.execs.push_back(exec_path);
  return grants;
}

void add_interpreters(std::set<std::string>& programs) {
  constexpr int kMaxShebangDepth = 4;  // the kernel's BINPRM_MAX_RECURSION
  const char* path_env_c = std::getenv("PATH");
  const std::string path_env = path_env_c != nullptr ? path_env_c : "/usr/bin:/bin";
  const std::set<std::string> listed = programs;
  for (const auto& program : listed) {
    std::string current = canonical_or_same(program);
    for (int depth = 0; depth < kMaxShebangDepth; ++depth) {
      const auto shebang = exec_chain::read_shebang(current);
      std::string next = shebang.interpreter;
      if (next.empty()) break;
      if (fs::path(next).filename() == "env" && !shebang.argument.empty()) {
        next = path_search::find(shebang.argument.substr(0, shebang.argument.find(' ')), path_env)
                   .value_or("");
        if (next.empty()) break;
      }
      current = canonical_or_same(next);
      programs.insert(current);
    }
  }
}

bool exists_now(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

}  // namespace hermetic::learn
