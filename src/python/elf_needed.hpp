// The libraries an ELF shared object names as DT_NEEDED, read from the file without loading it:
// to keep a standard-library extension that needs libffi (ctypes' backend) out of what
// block_native maps ahead (stdlib_extensions.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hermetic::inproc::elf_needed {

// The DT_NEEDED names of the 64-bit ELF file at `path`, in order; nullopt when the file cannot
// be read or is not such a file (every offset is checked against the file's size).
[[nodiscard]] std::optional<std::vector<std::string>> of(const std::string& path);

}  // namespace hermetic::inproc::elf_needed
