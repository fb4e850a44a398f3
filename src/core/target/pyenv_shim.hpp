// pyenv shims are bash scripts that run `pyenv exec`, which forks. Resolve them the way pyenv
// does, without running anything: PYENV_VERSION, then .python-version files from the working
// directory up, then $PYENV_ROOT/version; "system" means the next match on PATH outside pyenv.
#pragma once

#include <optional>
#include <string>

namespace hermetic::pyenv_shim {

[[nodiscard]] bool is_shim(const std::string& path);

// The executable the shim at `shim_path` would run, or nullopt when it cannot be decided
// without pyenv itself (then the shim is run as it is).
[[nodiscard]] std::optional<std::string> resolve(const std::string& shim_path,
                                                 const std::string& path_env);

}  // namespace hermetic::pyenv_shim
