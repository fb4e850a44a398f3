// Whether a program about to be exec'd maps code of its own: a dynamically linked ELF (one with
// an interpreter, PT_INTERP) has its loader mmap every shared library with PROT_EXEC, which the
// kernel part of block_native refuses in this process and, inherited, in every child.
#pragma once

#include <string>

namespace hermetic::inproc::exec_loader {

// The file `program` names: itself when it holds a slash, else the first executable file of
// that name in `search_path` (a PATH value). Empty when none is found.
[[nodiscard]] std::string locate(const std::string& program, const std::string& search_path);

// True when exec'ing `path` will map shared libraries: an ELF file with PT_INTERP, or a `#!`
// script whose interpreter is one. False for a static ELF, and for what cannot be read (the
// exec then fails on its own terms).
[[nodiscard]] bool maps_libraries(const std::string& path);

}  // namespace hermetic::inproc::exec_loader
