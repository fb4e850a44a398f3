// The table of the Policy's fields (include/hermetic/policy_fields.hpp says who reads it).
#include "hermetic/policy_fields.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "policy/address_class.hpp"

namespace hermetic {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Result<std::string> normalize_domain(std::string domain) {
  domain = lowercase(std::move(domain));
  while (!domain.empty() && domain.back() == '.') domain.pop_back();  // "a.com." == "a.com"
  if (domain.empty() || domain.find_first_of(" /:\t") != std::string::npos) {
    return Error{"invalid domain for --allow-domain: '" + domain + "'"};
  }
  return domain;
}

// HOST:PORT as address_class reads it, written back in one spelling ([v6]:port). (By value, as
// every normalize of the table takes its text.)
// NOLINTNEXTLINE(performance-unnecessary-value-param)
Result<std::string> normalize_endpoint(std::string text) {
  auto split = address_class::split_host_port(text);
  if (!split) return Error{"invalid destination for --allow-connect: " + split.error().message};
  const auto& [host, port] = split.value();
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A port, 1-65535, in decimal.
// NOLINTNEXTLINE(performance-unnecessary-value-param): the table's normalize signature
Result<std::string> normalize_port(std::string text) {
  auto split = address_class::split_host_port("127.0.0.1:" + text);
  if (!split) return Error{"invalid port for --allow-bind: '" + text + "'"};
  return std::to_string(split.value().port);
}

// NAME:ADDRESS with the name in lower case and curl's [::1] brackets taken off the address.
Result<std::string> normalize_pin(std::string pin) {
  const auto colon = pin.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == pin.size()) {
    return Error{"--resolve takes NAME:ADDRESS, got '" + pin + "'"};
  }
  std::string address = pin.substr(colon + 1);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  pin.resize(colon);
  return lowercase(std::move(pin)) + ":" + address;
}

// A name as execve and getenv see it: the text before the first '='.
Result<std::string> normalize_variable(std::string name) {
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
    return Error{"invalid variable name for --keep-env: '" + name + "'"};
  }
  return name;
}

// A module path: dotted identifiers, nothing else (it ends up in messages and prefix checks).
Result<std::string> normalize_module(std::string name) {
  const bool valid = !name.empty() && name.front() != '.' && name.back() != '.' &&
                     std::all_of(name.begin(), name.end(), [](unsigned char c) {
                       return std::isalnum(c) != 0 || c == '_' || c == '.';
                     });
  if (!valid) return Error{"invalid module name for --deny-import: '" + name + "'"};
  return name;
}

using enum FieldType;
using enum FieldRole;
using enum FieldLayer;

const std::array kFields = {
    PolicyField{.key = "block_network",
                .type = flag,
                .role = block,
                .layer = both,
                .options = {"no-network"},
                .help = "Disable network (sockets other than AF_UNIX) and DNS.",
                .member = &Policy::block_network},
    PolicyField{.key = "allow_localhost",
                .type = flag,
                .role = exception,
                .layer = both,
                .options = {"allow-localhost"},
                .help = "With --no-network: keep loopback reachable.",
                .exception_to = "block_network",
                .member = &Policy::allow_localhost},
    PolicyField{
        .key = "allow_domains",
        .type = names,
        .role = exception,
        .layer = both,
        .options = {"allow-domain"},
        .metavar = "DOMAIN",
        .help = "With --no-network: keep DOMAIN (exact or dot-suffix) reachable. Repeatable.",
        .exception_to = "block_network",
        .member = &Policy::allow_domains,
        .normalize = normalize_domain},
    PolicyField{.key = "allow_connect",
                .type = names,
                .role = exception,
                .layer = both,
                .options = {"allow-connect"},
                .metavar = "HOST:PORT",
                .help = "With --no-network: keep HOST (an address or a name) reachable on PORT "
                        "alone. Repeatable.",
                .exception_to = "block_network",
                .member = &Policy::allow_connect,
                .normalize = normalize_endpoint},
    PolicyField{.key = "allow_bind",
                .type = names,
                .role = exception,
                .layer = both,
                .options = {"allow-bind"},
                .metavar = "PORT",
                .help = "With --no-network: let the target bind and listen on loopback PORT "
                        "(a server), without reaching anything. Repeatable.",
                .exception_to = "block_network",
                .member = &Policy::allow_bind,
                .normalize = normalize_port},
    PolicyField{.key = "resolve",
                .type = pins,
                .role = setting,
                .layer = kernel,
                .options = {"resolve"},
                .metavar = "NAME:ADDRESS",
                .help = "Pin NAME to ADDRESS instead of asking DNS. Repeatable.",
                .member = &Policy::resolve,
                .normalize = normalize_pin},
    PolicyField{.key = "block_subprocess",
                .type = flag,
                .role = block,
                .layer = both,
                .options = {"no-subprocess"},
                .help = "Disable new processes and exec of other programs.",
                .member = &Policy::block_subprocess},
    PolicyField{.key = "allow_exec",
                .type = paths,
                .role = exception,
                .layer = both,
                .options = {"allow-exec"},
                .metavar = "PATH",
                .help = "With --no-subprocess: let the target start processes that run the "
                        "program PATH, every program beneath directory PATH, or a bare NAME "
                        "found on PATH. Repeatable.",
                .exception_to = "block_subprocess",
                .member = &Policy::allow_exec,
                .program_names = true},
    PolicyField{.key = "fs_readonly",
                .type = flag,
                .role = block,
                .layer = both,
                .options = {"fs-readonly"},
                .help = "Make the filesystem read-only: writes only to /dev/null, the terminal, a "
                        "private TMPDIR (removed afterwards) and --allow-write paths. With =ROOT, "
                        "also confine reads to ROOT plus what the target needs (see --explain).",
                .member = &Policy::fs_readonly},
    PolicyField{.key = "fs_root",
                .type = path,
                .role = block,
                .layer = both,
                .options = {"fs-readonly"},
                .metavar = "ROOT",
                .help = "Confine reads to ROOT plus what the target needs (implies fs_readonly).",
                .implies = "fs_readonly",
                .member = &Policy::fs_root},
    PolicyField{.key = "allow_write",
                .type = paths,
                .role = exception,
                .layer = both,
                .options = {"allow-write"},
                .metavar = "PATH",
                .help = "With --fs-readonly: keep PATH writable. Repeatable.",
                .exception_to = "fs_readonly",
                .member = &Policy::allow_write},
    PolicyField{.key = "allow_read",
                .type = paths,
                .role = exception,
                .layer = both,
                .options = {"allow-read"},
                .metavar = "PATH",
                .help = "With --fs-readonly=ROOT: keep PATH readable. Repeatable.",
                .exception_to = "fs_readonly",
                .member = &Policy::allow_read},
    PolicyField{.key = "block_environment",
                .type = flag,
                .role = block,
                .layer = both,
                .options = {"no-environment", "no-env"},
                .help = "Start the target with a scrubbed environment (PATH, HOME, locale, TERM, "
                        "TZ kept; README lists what the target sees).",
                .member = &Policy::block_environment},
    PolicyField{.key = "keep_env",
                .type = names,
                .role = exception,
                .layer = both,
                .options = {"keep-env"},
                .metavar = "NAME",
                .help = "With --no-environment: pass variable NAME through. Repeatable.",
                .exception_to = "block_environment",
                .member = &Policy::keep_env,
                .normalize = normalize_variable},
    PolicyField{.key = "block_code_exec",
                .type = flag,
                .role = block,
                .layer = in_process,
                .options = {"no-code-exec"},
                .help = "Disable eval/exec/compile and runpy (Python targets).",
                .member = &Policy::block_code_exec},
    PolicyField{.key = "deny_imports",
                .type = names,
                .role = block,
                .layer = in_process,
                .options = {"deny-import"},
                .metavar = "MODULE",
                .help = "Deny importing MODULE and its submodules. Repeatable.",
                .member = &Policy::deny_imports,
                .normalize = normalize_module},
    PolicyField{.key = "block_native",
                .type = flag,
                .role = block,
                .layer = in_process,
                .options = {"block-native"},
                .help = "Deny native extensions and FFI modules.",
                .member = &Policy::block_native},
    PolicyField{.key = "block_interpreter_mutation",
                .type = flag,
                .role = block,
                .layer = in_process,
                .options = {"no-interpreter-mutation"},
                .help = "Disable sys.path/cwd/site mutation (Python targets).",
                .member = &Policy::block_interpreter_mutation},
    PolicyField{.key = "trace",
                .type = flag,
                .role = setting,
                .layer = both,
                .options = {"trace"},
                .help = "Print one line per blocked action to stderr.",
                .member = &Policy::trace},
    PolicyField{.key = "sealed",
                .type = flag,
                .role = setting,
                .layer = in_process,
                .options = {"seal"},
                .help = "Make the in-process guards permanent for the target's lifetime.",
                .member = &Policy::sealed},
};

}  // namespace

std::span<const PolicyField> policy_fields() { return kFields; }

const PolicyField* find_policy_field(std::string_view key) {
  const auto* found = std::find_if(kFields.begin(), kFields.end(),
                                   [key](const PolicyField& f) { return f.key == key; });
  return found == kFields.end() ? nullptr : &*found;
}

Result<std::optional<std::string>> unite_roots(const std::optional<std::string>& a,
                                               const std::optional<std::string>& b) {
  if (a && b && *a != *b) {
    return Error{"only one read root may be given (got '" + *a + "' and '" + *b + "')"};
  }
  return a ? a : b;
}

}  // namespace hermetic
