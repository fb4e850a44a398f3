// The target forms hermetic-seal 1.0.0 accepted besides programs, turned into a program for
// the Python hermetic is installed with (the "home" interpreter):
//   module:attr   import module, call attr (an int result is the exit status)
//   NAME          not a program on PATH, but a module that interpreter can find: python -m NAME
// Console scripts, scripts with a #! line and absolute paths need nothing: they are programs,
// and each runs under its own interpreter.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hermetic::python_targets {

// The interpreter next to the hermetic executable (<prefix>/bin/python3 or python), else
// python3 on PATH; nullopt when there is none.
[[nodiscard]] std::optional<std::string> home_python(const std::string& path_env);

// "pkg.mod:func" with both sides dotted identifiers.
[[nodiscard]] bool is_module_attr(const std::string& target);

// argv rewritten for the home interpreter, or nullopt when argv[0] names a program (or names
// nothing the interpreter could run: then the caller reports "command not found").
[[nodiscard]] std::optional<std::vector<std::string>> rewrite(const std::vector<std::string>& argv,
                                                              const std::string& path_env);

}  // namespace hermetic::python_targets
