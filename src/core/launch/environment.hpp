// The environment the target starts with. Under --no-environment it is scrubbed before exec, so
// no reader can find a secret in it: not os.environ, not ctypes getenv, not /proc/PID/environ,
// not a child's `env`.
#pragma once

#include <string>
#include <vector>

#include "hermetic/policy.hpp"

namespace hermetic::environment {

// The variables kept under --no-environment: what interpreters and ordinary programs need to
// start and behave (PATH, locale, terminal, time zone, HOME). None carries a secret by
// convention; everything else (tokens, keys, proxies with passwords) is dropped.
[[nodiscard]] bool kept_when_scrubbed(const std::string& name);

// Whether the caller's variable `name` reaches the target under `policy`: always without
// --no-environment; with it, a kept name or one of policy.keep_env (--keep-env).
[[nodiscard]] bool passes(const Policy& policy, const std::string& name);

// Under --no-environment the names passes() lets through, in order (for --explain); empty
// without it (everything passes).
[[nodiscard]] std::vector<std::string> passing_names(const Policy& policy);

// `current` is the caller's environment (NAME=VALUE strings); `overrides` are NAME=VALUE pairs
// hermetic sets for the run (they replace variables of the same name).
[[nodiscard]] std::vector<std::string> for_target(const Policy& policy,
                                                  const std::vector<std::string>& current,
                                                  const std::vector<std::string>& overrides);

// The calling process's environment as NAME=VALUE strings.
[[nodiscard]] std::vector<std::string> current();

// Overwrites this process's original environment block with zeros, so that its
// /proc/PID/environ shows nothing. For a hermetic parent that outlives the exec under
// --no-environment. Call after everything that needs getenv; afterwards the environment is
// empty.
void wipe_own_block();

}  // namespace hermetic::environment
