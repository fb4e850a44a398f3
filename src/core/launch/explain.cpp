#include "launch/explain.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "hermetic/launch.hpp"
#include "landlock/landlock_abi.hpp"
#include "launch/hosts_overlay.hpp"
#include "launch/name_pins.hpp"
#include "launch/private_tmpdir.hpp"
#include "launch/signal_relay.hpp"
#include "target/exec_chain.hpp"

namespace hermetic {
namespace {

// What the run will grant: an optional rule (a machine-dependent system path) counts only where
// the path exists, as landlock::build leaves it out otherwise.
bool granted(const landlock::PathRule& rule) {
  struct stat st {};
  return !rule.optional || ::stat(rule.path.c_str(), &st) == 0;
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

// The errors the rule table uses (syscall_rules.cpp). Not strerrorname_np: that is glibc's
// alone, and the executable is built against musl (src/cli/musl/).
std::string errno_name(int error) {
  switch (error) {
    case EPERM:
      return "EPERM";
    case EACCES:
      return "EACCES";
    case EROFS:
      return "EROFS";
    case ENOSYS:
      return "ENOSYS";
    default:
      return "errno " + std::to_string(error);
  }
}

void describe_landlock(std::ostringstream& out, const KernelPlan& kernel,
                       const KernelFeatures& features) {
  out << "landlock (this kernel: "
      << (features.landlock_abi > 0 ? "ABI " + std::to_string(features.landlock_abi)
                                    : std::string("none"))
      << "):\n";
  if (kernel.landlock_layers.empty()) {
    out << "  no layers: no domain, the target may trace processes of its user outside it\n";
  } else {
    out << "  (the layers make a domain: no ptrace or /proc/PID/mem of a process outside it)\n";
  }
  int number = 0;
  for (const auto& layer : kernel.landlock_layers) {
    out << "  layer " << ++number << ": " << layer.purpose;
    if (features.landlock_abi < layer.min_abi) {
      out << "  [needs ABI " << layer.min_abi << ": the run would fail]";
    }
    out << "\n";
    if (layer.handled_access_fs != 0) {
      out << "    denies everywhere: " << fs_layers::rights_names(layer.handled_access_fs) << "\n";
      out << "    except beneath:\n";
    }
    const bool none = std::none_of(layer.rules.begin(), layer.rules.end(), granted);
    if (none && layer.handled_access_fs != 0) out << "      (nothing)\n";
    for (const auto& rule : layer.rules) {
      if (!granted(rule)) continue;
      out << "      " << padded(rule.path, 40)
          << padded(fs_layers::rights_names(rule.allowed_access), 36) << "(" << rule.why << ")\n";
    }
    if ((layer.scoped & landlock::uapi::scope::kAbstractUnixSocket) != 0) {
      out << "    scopes: abstract unix sockets to the sandbox\n";
    }
    if ((layer.scoped & landlock::uapi::scope::kSignal) != 0) {
      out << "    scopes: signals to the sandbox (none to a process outside it)\n";
    }
  }
}

void describe_seccomp(std::ostringstream& out, const KernelPlan& kernel) {
  out << "seccomp (calls that fail, or that --report's rows see; other architectures' calls kill "
         "the process):\n";
  if (kernel.seccomp_rules.empty()) out << "  no rules\n";
  for (const auto& rule : kernel.seccomp_rules) {
    out << "  " << padded(std::string(syscall_rules::capability_name(rule.capability)), 12)
        << padded(std::string(rule.syscall), 20)
        // A --report row fails nothing: the supervisor sees the call, Landlock decides it.
        << padded(rule.action == syscall_rules::Action::landlock_reported ? "seen"
                                                                          : errno_name(rule.error),
                  8)
        << rule.why << "\n";
  }
}

}  // namespace

std::string describe(const RunPlan& plan, const KernelFeatures& features) {
  std::ostringstream out;
  out << "target: " << plan.target.exec_path << "\n";
  out << "argv:  ";
  for (const auto& arg : plan.target.argv) out << " " << arg;
  out << "\n";
  if (!plan.exec_files.empty()) {
    out << "exec chain (the files the kernel runs, in order):\n";
    for (const auto& file : plan.exec_files) out << "  " << file << "\n";
  }
  if (!plan.environment.empty()) {
    out << "environment set for the target:\n";
    for (const auto& [name, value] : plan.environment) out << "  " << name << "=" << value << "\n";
  }
  if (!plan.environment_passed.empty()) {
    out << "environment scrubbed; of the caller's variables only these pass:\n ";
    for (const auto& name : plan.environment_passed) out << " " << name;
    out << "\n";
  }
  if (!plan.fs.private_tmpdir.empty()) {
    out << "private TMPDIR: created for the run, writable inside it, removed when the target "
           "exits\n";
  }
  describe_landlock(out, plan.kernel, features);
  describe_seccomp(out, plan.kernel);
  return out.str();
}

Result<std::string> explain(const Policy& policy, const std::vector<std::string>& argv,
                            const std::string& report_path) {
  // The plan may run the interpreter to find a module (python_targets) and wait for it.
  const signal_relay::OwnChildren own_children;
  const KernelFeatures features = probe_kernel();
  if (auto enforceable = check_enforceable(policy, features); !enforceable) {
    return enforceable.error();
  }
  const char* path = std::getenv("PATH");
  const std::string path_env = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  // Nothing is created: the TMPDIR is shown by the template mkdtemp would fill in.
  const std::string tmpdir = policy.fs_readonly ? tmpdir_parent() + "/hermetic-XXXXXX" : "";
  const bool names_given = name_pins::names_given(policy);
  const std::string hosts_file = names_given ? hosts_overlay::directory_template() + "/hosts" : "";
  auto plan = plan_run(policy, argv, features, path_env, tmpdir, hosts_file, report_path);
  if (!plan) return plan.error();
  if (plan.value().exec_files.empty()) {
    // Not needed by any rule; shown anyway, since "what runs" is half of "why".
    if (auto files = exec_chain::files_executed(plan.value().target.exec_path, path_env)) {
      plan.value().exec_files = std::move(files).value();
    }
  }
  std::string text = describe(plan.value(), features);
  if (!report_path.empty()) text += "report: " + report_path + " (every layer appends refusals)\n";
  return text;
}

}  // namespace hermetic
