// Policy: the one description of what a sandboxed run may do. Every face (CLI, Python API,
// C++ API) builds one through PolicyBuilder; both layers (kernel, in-process) only read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic {

// A `--resolve NAME:ADDR` pin: the supervisor answers NAME with ADDR instead of asking DNS.
struct ResolvePin {
  std::string name;
  std::string address;
  bool operator==(const ResolvePin&) const = default;
};

struct Policy {
  // Network. With block_network, allow_localhost keeps loopback reachable and allow_domains
  // keeps the listed names (exact or dot-suffix, case-insensitive) reachable.
  bool block_network = false;
  bool allow_localhost = false;
  std::vector<std::string> allow_domains;
  // HOST:PORT destinations (an address or a name, one port each) reachable with block_network.
  std::vector<std::string> allow_connect;
  // Loopback ports the target may bind and listen on with block_network (servers).
  std::vector<std::string> allow_bind;
  std::vector<ResolvePin> resolve;

  // No new processes, no exec of programs other than the target. With allow_exec, new
  // processes are allowed and exec is limited to the listed programs: each a file, a directory
  // (every program beneath it) or a bare name looked up on PATH when the run is planned
  // (exec_allow.hpp).
  bool block_subprocess = false;
  std::vector<std::string> allow_exec;

  // Filesystem: fs_readonly forbids writes except to allow_write paths (and the run's private
  // TMPDIR); fs_root additionally confines reads to that root plus allow_read paths and what
  // the target needs to start.
  bool fs_readonly = false;
  std::optional<std::string> fs_root;
  std::vector<std::string> allow_write;
  std::vector<std::string> allow_read;

  // Environment. The CLI starts the target with a scrubbed environment (environment.hpp says
  // what is kept); the in-process layer of the Python API refuses every read. keep_env names
  // variables that pass anyway (the CLI's --keep-env; readable under the API).
  bool block_environment = false;
  std::vector<std::string> keep_env;
  bool block_code_exec = false;
  std::vector<std::string> deny_imports;  // a module and its submodules
  bool block_native = false;
  bool block_interpreter_mutation = false;

  bool trace = false;   // one stderr line per blocked action
  bool sealed = false;  // the in-process policy cannot be lifted; kernel layer applied too

  // Union, add-only: every restriction of either side holds; allow-lists are joined.
  // This is how profiles and flags compose (as in hermetic-seal's profiles). Two different
  // read roots keep the first; PolicyBuilder::add refuses them (unite_roots).
  [[nodiscard]] Policy united_with(const Policy& other) const;

  // True when nothing at all is restricted.
  [[nodiscard]] bool empty() const;
  // Whether the kernel layer has anything to do (seccomp rows, Landlock layers): the flags with
  // a kernel part. The Python-only flags (code exec, imports, native, interpreter) have none.
  [[nodiscard]] bool has_kernel_part() const;
  // Whether some destination is reachable despite block_network (an exception of the network
  // is set): the supervisor then decides each connect, bind and send by address.
  [[nodiscard]] bool has_network_exceptions() const;
  // Whether a seccomp supervisor answers some calls (syscall_rules::rules_for): address
  // exceptions, --trace of network blocks, or the metadata calls (chmod, chown, utime, xattrs)
  // of --fs-readonly in writable places. hermetic then outlives the target's exec.
  [[nodiscard]] bool has_supervisor() const;

  bool operator==(const Policy&) const = default;
};

// Named presets of hermetic-seal 1.0.0: block-all, net-hermetic, exec-deny, fs-readonly,
// block-native.
[[nodiscard]] Result<Policy> profile(std::string_view name);
[[nodiscard]] const std::vector<std::string_view>& profile_names();

// JSON form, to hand a policy to a child process or to the in-process layer.
[[nodiscard]] std::string to_json(const Policy& policy);
[[nodiscard]] Result<Policy> policy_from_json(std::string_view json);

// Checked builder: records the first error, build() refuses unsafe or meaningless
// combinations with a reason.
class PolicyBuilder {
 public:
  // Any field by its key (include/hermetic/policy_fields.hpp): a switch, or one value of a list
  // or path field, checked as the named setters below check it (they call these).
  PolicyBuilder& set_flag(std::string_view key, bool on = true);
  PolicyBuilder& add_value(std::string_view key, std::string value);
  PolicyBuilder& block_network(bool on = true);
  PolicyBuilder& allow_localhost(bool on = true);
  PolicyBuilder& allow_domain(std::string domain);
  PolicyBuilder& allow_connect(std::string host_colon_port);
  PolicyBuilder& resolve(std::string_view name_colon_address);
  PolicyBuilder& block_subprocess(bool on = true);
  PolicyBuilder& fs_readonly(bool on = true);
  PolicyBuilder& fs_root(std::string root);
  PolicyBuilder& allow_write(std::string path);
  PolicyBuilder& allow_read(std::string path);
  PolicyBuilder& block_environment(bool on = true);
  PolicyBuilder& keep_env(std::string name);
  PolicyBuilder& block_code_exec(bool on = true);
  PolicyBuilder& deny_import(std::string module);
  PolicyBuilder& block_native(bool on = true);
  PolicyBuilder& block_interpreter_mutation(bool on = true);
  PolicyBuilder& trace(bool on = true);
  PolicyBuilder& sealed(bool on = true);
  PolicyBuilder& add_profile(std::string_view name);
  PolicyBuilder& add(const Policy& other);

  [[nodiscard]] Result<Policy> build() const;
  // The policy so far, before build()'s checks (for callers that word their own errors).
  [[nodiscard]] const Policy& current() const { return policy_; }

 private:
  void fail(std::string message);
  Policy policy_;
  std::optional<Error> first_error_;
};

}  // namespace hermetic
