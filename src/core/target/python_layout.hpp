// Where a Python interpreter reads its standard library and packages, found without running it
// (running it would cost a second interpreter start per launch). Used by --fs-readonly=ROOT.
#pragma once

#include <string>
#include <vector>

#include "landlock/fs_layers.hpp"

namespace hermetic::python_layout {

// True for interpreter names: python, python3, python3.11, python3.13t, pypy3, pypy3.10.
[[nodiscard]] bool is_python(const std::string& path);

// What the interpreter exec'd as `exec_path` (symlinks kept: a venv's python is a symlink to the
// base interpreter and finds its venv from that path) needs to read:
//   <prefix>/lib of the real executable (stdlib, lib-dynload, site-packages, libpython), where
//     prefix is the real executable's directory's parent;
//   /etc/pythonX.Y when present (Debian keeps sitecustomize.py there);
//   the user site-packages ($PYTHONUSERBASE or ~/.local, lib/pythonX.Y/site-packages);
//   for a venv (pyvenv.cfg beside the executable or one directory up, as CPython looks): the
//     venv directory and the `home` interpreter's <prefix>/lib.
// Paths that do not exist are returned too; the caller skips them.
[[nodiscard]] std::vector<fs_layers::ReadNeed> needs(const std::string& exec_path);

}  // namespace hermetic::python_layout
