// What a target needs to read under --fs-readonly=ROOT beyond the fixed system set of
// fs_layers: found from the files, not by running anything.
#pragma once

#include <string>
#include <vector>

#include "landlock/fs_layers.hpp"

namespace hermetic::runtime_reads {

// Directories listed in a dynamic-loader config file (/etc/ld.so.conf), following `include`
// globs, as ldconfig reads them. Missing files give nothing.
[[nodiscard]] std::vector<std::string> loader_config_dirs(const std::string& config_file);

// For the program exec'd as `exec_path` (searched on `path_env` for `#!/usr/bin/env NAME`):
//   the loader's configured dirs and LD_LIBRARY_PATH entries;
//   a pyenv shim met on the chain: the pyenv root (its scripts run) and the shim's interpreter;
//   for every Python interpreter on its `#!` chain, python_layout::needs, plus PYTHONHOME and
//   PYTHONPATH entries (the user's environment says the target reads them).
// Paths that do not exist are returned too; fs_layers skips them.
[[nodiscard]] std::vector<fs_layers::ReadNeed> find(const std::string& exec_path,
                                                    const std::string& path_env);

}  // namespace hermetic::runtime_reads
