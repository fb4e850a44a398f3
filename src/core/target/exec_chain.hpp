// The files the kernel opens for execute when it runs a program: the program itself, each `#!`
// interpreter (following `/usr/bin/env NAME` through PATH), and each ELF's PT_INTERP loader.
// --no-subprocess grants Landlock EXECUTE on exactly these and nothing else; --fs-readonly=ROOT
// grants them read and execute.
#pragma once

#include <string>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::exec_chain {

// Real paths (symlinks resolved), in exec order, without duplicates.
[[nodiscard]] Result<std::vector<std::string>> files_executed(const std::string& program,
                                                              const std::string& path_env);

// ELF PT_INTERP of `path`, empty for static or non-ELF files.
[[nodiscard]] std::string elf_interpreter(const std::string& path);

// The `#!` line of `path` split into interpreter and optional argument; empty if none.
struct Shebang {
  std::string interpreter;
  std::string argument;
};
[[nodiscard]] Shebang read_shebang(const std::string& path);

}  // namespace hermetic::exec_chain
