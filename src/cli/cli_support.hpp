// Small helpers the CLI's subcommands share (learn_command.cpp, report_unexpected.cpp).
// Header-only: the executable's source lists (CMakeLists.txt and musl/build_with_zig.cmake)
// stay as they are.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <ios>
#include <sstream>
#include <string>

namespace hermetic::cli {

// The one-line error every hermetic error is, then the exit code to return.
inline int fail(const std::string& message, int code) {
  (void)std::fprintf(stderr, "hermetic: error: %s\n", message.c_str());
  return code;
}

// What a file holds from byte `offset` on (a report file: the lines one run appended).
inline std::string read_from(const std::string& path, std::uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace hermetic::cli
