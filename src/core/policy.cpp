#include "hermetic/policy.hpp"

#include <algorithm>
#include <cctype>

namespace hermetic {
namespace {

template <class T>
void append_unique(std::vector<T>& into, const std::vector<T>& from) {
  for (const auto& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A module path: dotted identifiers, nothing else (it ends up in messages and prefix checks).
bool valid_module_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_' || c == '.'; });
}

}  // namespace

Policy Policy::united_with(const Policy& other) const {
  Policy out = *this;
  out.block_network = block_network || other.block_network;
  out.allow_localhost = allow_localhost || other.allow_localhost;
  append_unique(out.allow_domains, other.allow_domains);
  append_unique(out.resolve, other.resolve);
  out.block_subprocess = block_subprocess || other.block_subprocess;
  out.fs_readonly = fs_readonly || other.fs_readonly;
  if (!out.fs_root) out.fs_root = other.fs_root;
  append_unique(out.allow_write, other.allow_write);
  append_unique(out.allow_read, other.allow_read);
  out.block_environment = block_environment || other.block_environment;
  append_unique(out.keep_env, other.keep_env);
  out.block_code_exec = block_code_exec || other.block_code_exec;
  append_unique(out.deny_imports, other.deny_imports);
  out.block_native = block_native || other.block_native;
  out.block_interpreter_mutation = block_interpreter_mutation || other.block_interpreter_mutation;
  out.trace = trace || other.trace;
  out.sealed = sealed || other.sealed;
  return out;
}

bool Policy::empty() const {
  return !block_network && !block_subprocess && !fs_readonly && !block_environment &&
         !block_code_exec && deny_imports.empty() && !block_native && !block_interpreter_mutation;
}

bool Policy::has_kernel_part() const {
  return block_network || block_subprocess || fs_readonly || fs_root.has_value() ||
         block_environment;
}

bool Policy::has_supervisor() const {
  return allow_localhost || !allow_domains.empty() || (block_network && trace) || fs_readonly;
}

void PolicyBuilder::fail(std::string message) {
  if (first_error_) return;
  message = one_line(message);  // user text (a path, a name) may hold line breaks
  first_error_ = Error{std::move(message)};
}

PolicyBuilder& PolicyBuilder::block_network(bool on) {
  policy_.block_network = policy_.block_network || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::allow_localhost(bool on) {
  policy_.allow_localhost = policy_.allow_localhost || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::allow_domain(std::string domain) {
  domain = lowercase(std::move(domain));
  while (!domain.empty() && domain.back() == '.') domain.pop_back();  // "a.com." == "a.com"
  if (domain.empty() || domain.find_first_of(" /:\t") != std::string::npos) {
    fail("invalid domain for --allow-domain: '" + domain + "'");
    return *this;
  }
  append_unique(policy_.allow_domains, {domain});
  return *this;
}
PolicyBuilder& PolicyBuilder::resolve(std::string_view name_colon_address) {
  const auto colon = name_colon_address.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == name_colon_address.size()) {
    fail("--resolve takes NAME:ADDRESS, got '" + std::string(name_colon_address) + "'");
    return *this;
  }
  std::string address(name_colon_address.substr(colon + 1));
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);  // [::1] as curl writes it
  }
  append_unique(policy_.resolve,
                {ResolvePin{lowercase(std::string(name_colon_address.substr(0, colon))), address}});
  return *this;
}
PolicyBuilder& PolicyBuilder::block_subprocess(bool on) {
  policy_.block_subprocess = policy_.block_subprocess || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::fs_readonly(bool on) {
  policy_.fs_readonly = policy_.fs_readonly || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::fs_root(std::string root) {
  if (root.empty()) {
    fail("--fs-readonly=ROOT needs a non-empty ROOT");
    return *this;
  }
  if (policy_.fs_root && *policy_.fs_root != root) {
    fail("only one read root may be given (got '" + *policy_.fs_root + "' and '" + root + "')");
    return *this;
  }
  policy_.fs_readonly = true;
  policy_.fs_root = std::move(root);
  return *this;
}
PolicyBuilder& PolicyBuilder::allow_write(std::string path) {
  if (path.empty()) {
    fail("--allow-write needs a path");
    return *this;
  }
  append_unique(policy_.allow_write, {std::move(path)});
  return *this;
}
PolicyBuilder& PolicyBuilder::allow_read(std::string path) {
  if (path.empty()) {
    fail("--allow-read needs a path");
    return *this;
  }
  append_unique(policy_.allow_read, {std::move(path)});
  return *this;
}
PolicyBuilder& PolicyBuilder::block_environment(bool on) {
  policy_.block_environment = policy_.block_environment || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::keep_env(std::string name) {
  // A name as execve and getenv see it: the text before the first '='.
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
    fail("invalid variable name for --keep-env: '" + name + "'");
    return *this;
  }
  append_unique(policy_.keep_env, {std::move(name)});
  return *this;
}
PolicyBuilder& PolicyBuilder::block_code_exec(bool on) {
  policy_.block_code_exec = policy_.block_code_exec || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::deny_import(std::string module) {
  if (!valid_module_name(module)) {
    fail("invalid module name for --deny-import: '" + module + "'");
    return *this;
  }
  append_unique(policy_.deny_imports, {std::move(module)});
  return *this;
}
PolicyBuilder& PolicyBuilder::block_native(bool on) {
  policy_.block_native = policy_.block_native || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::block_interpreter_mutation(bool on) {
  policy_.block_interpreter_mutation = policy_.block_interpreter_mutation || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::trace(bool on) {
  policy_.trace = policy_.trace || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::sealed(bool on) {
  policy_.sealed = policy_.sealed || on;
  return *this;
}
PolicyBuilder& PolicyBuilder::add_profile(std::string_view name) {
  auto preset = profile(name);
  if (!preset) {
    fail(preset.error().message);
    return *this;
  }
  return add(preset.value());
}
PolicyBuilder& PolicyBuilder::add(const Policy& other) {
  if (policy_.fs_root && other.fs_root && *policy_.fs_root != *other.fs_root) {
    fail("only one read root may be given (got '" + *policy_.fs_root + "' and '" + *other.fs_root +
         "')");
    return *this;
  }
  policy_ = policy_.united_with(other);
  return *this;
}

Result<Policy> PolicyBuilder::build() const {
  if (first_error_) return *first_error_;
  // Allow-lists only mean something as exceptions to a block; hermetic-seal ignored them
  // silently, which hides a mistaken command line.
  if (!policy_.block_network && (policy_.allow_localhost || !policy_.allow_domains.empty())) {
    return Error{
        "--allow-localhost and --allow-domain are exceptions to --no-network; add "
        "--no-network"};
  }
  if (!policy_.fs_readonly && (!policy_.allow_write.empty() || !policy_.allow_read.empty())) {
    return Error{
        "--allow-write and --allow-read are exceptions to --fs-readonly; add "
        "--fs-readonly"};
  }
  if (!policy_.block_environment && !policy_.keep_env.empty()) {
    return Error{"--keep-env is an exception to --no-environment; add --no-environment"};
  }
  if (!policy_.fs_root && !policy_.allow_read.empty()) {
    return Error{"--allow-read widens --fs-readonly=ROOT; give a ROOT"};
  }
  return policy_;
}

}  // namespace hermetic
