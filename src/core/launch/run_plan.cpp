#include "launch/run_plan.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include "hermetic/real_path.hpp"
#include "launch/environment.hpp"
#include "target/exec_chain.hpp"
#include "target/inprocess_injection.hpp"
#include "target/python_targets.hpp"
#include "target/runtime_reads.hpp"

namespace hermetic {
namespace {

namespace fs = std::filesystem;

Result<std::string> existing_path(const std::string& path, const char* flag) {
  std::error_code ec;
  std::string real = real_path(path, ec);
  if (ec) return Error{std::string(flag) + " path does not exist: " + path};
  return real;
}

Result<std::vector<std::string>> existing_paths(const std::vector<std::string>& paths,
                                                const char* flag) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    auto real = existing_path(path, flag);
    if (!real) return real.error();
    out.push_back(std::move(real).value());
  }
  return out;
}

// Regular files open as fds 0-2 of this process (what the target inherits), split by the
// direction they are open in; and the pseudo-terminals among them.
void add_stdio_files(fs_layers::Inputs& in) {
  for (int fd = 0; fd <= 2; ++fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0) continue;
    if (S_ISCHR(st.st_mode) && isatty(fd) == 1) {
      std::error_code ec;
      const std::string path = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
      if (!ec && path.starts_with("/dev/pts/")) in.terminals.push_back({fd, path});
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    const int flags = fcntl(fd, F_GETFL);
    std::error_code ec;
    const std::string path = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec).string();
    if (flags < 0 || ec) continue;
    const int mode = flags & O_ACCMODE;
    if (mode == O_RDONLY || mode == O_RDWR) in.stdio_read.push_back({fd, path});
    if (mode == O_WRONLY || mode == O_RDWR) in.stdio_write.push_back({fd, path});
  }
}

}  // namespace

Result<fs_layers::Inputs> gather_fs_inputs(const Policy& policy, const std::string& exec_path,
                                           const std::vector<std::string>& exec_files,
                                           const std::vector<exec_allow::Grant>& exec_allowed,
                                           const std::string& private_tmpdir, int landlock_abi,
                                           const std::string& path_env) {
  fs_layers::Inputs in;
  if (!policy.fs_readonly) return in;
  in.landlock_abi = landlock_abi;
  in.private_tmpdir = private_tmpdir;
  auto writable = existing_paths(policy.allow_write, "--allow-write");
  if (!writable) return writable.error();
  in.allow_write = std::move(writable).value();
  add_stdio_files(in);
  if (!policy.fs_root) return in;

  auto root = existing_path(*policy.fs_root, "--fs-readonly=ROOT");
  if (!root) return root.error();
  in.read_root = std::move(root).value();
  auto readable = existing_paths(policy.allow_read, "--allow-read");
  if (!readable) return readable.error();
  in.allow_read = std::move(readable).value();
  in.exec_files = exec_files;
  for (const auto& grant : exec_allowed) in.exec_allowed.push_back({grant.path, grant.why});
  if (!exec_path.empty()) in.runtime_reads = runtime_reads::find(exec_path, path_env);
  return in;
}

Result<RunPlan> plan_run(const Policy& policy, const std::vector<std::string>& argv,
                         const KernelFeatures& features, const std::string& path_env,
                         const std::string& private_tmpdir, const std::string& hosts_file,
                         const std::string& report_file) {
  // hermetic-seal's target forms (module:attr, a module name for python -m) become programs.
  const auto python_form = python_targets::rewrite(argv, path_env);
  auto resolved = target::resolve(python_form ? *python_form : argv, path_env);
  if (!resolved) return resolved.error();
  RunPlan plan{std::move(resolved).value(), {}, {}, {}, {}, {}, environment::passing_names(policy)};

  if (policy.block_subprocess || policy.fs_root) {
    auto files = exec_chain::files_executed(plan.target.exec_path, path_env);
    if (!files) return files.error();
    plan.exec_files = std::move(files).value();
  }
  if (policy.block_subprocess && !policy.allow_exec.empty()) {
    auto allowed = exec_allow::resolve(policy.allow_exec, path_env, plan.exec_files);
    if (!allowed) return allowed.error();
    plan.exec_allowed = std::move(allowed).value();
  }
  auto fs_facts =
      gather_fs_inputs(policy, plan.target.exec_path, plan.exec_files, plan.exec_allowed,
                       private_tmpdir, features.landlock_abi, path_env);
  if (!fs_facts) return fs_facts.error();
  plan.fs = std::move(fs_facts).value();
  if (policy.fs_readonly) plan.fs.report_file = report_file;
  // Under a read root the dynamic loader must still read the preload library, and the
  // interpreter the package: without this, ld.so would skip LD_PRELOAD with a warning and the
  // target would run without the in-process layer.
  if (policy.fs_root) {
    if (auto package = inprocess_injection::package_dir_to_read(policy)) {
      plan.fs.runtime_reads.push_back({*package, "hermetic's in-process layer (LD_PRELOAD)"});
    }
    // The pinned names: mounted over /etc/hosts, whose own rule names the file it hides.
    if (!hosts_file.empty()) {
      plan.fs.runtime_reads.push_back({hosts_file, "/etc/hosts of --resolve/--allow-domain"});
    }
  }
  // The launcher serves the filter from outside whenever the kernel lets it.
  const auto supervision = features.seccomp_user_notif && features.pidfd_getfd
                               ? syscall_rules::Supervision::available
                               : syscall_rules::Supervision::unavailable;
  const auto reporting =
      report_file.empty() ? syscall_rules::Reporting::off : syscall_rules::Reporting::on;
  plan.kernel = plan_kernel_layer(policy, plan.exec_files, plan.exec_allowed, plan.fs, features,
                                  supervision, reporting);

  if (policy.fs_readonly && !private_tmpdir.empty()) {
    // Every convention programs use to find a temporary directory.
    for (const char* name : {"TMPDIR", "TMP", "TEMP"}) {
      plan.environment.emplace_back(name, private_tmpdir);
    }
  }
  return plan;
}

}  // namespace hermetic
