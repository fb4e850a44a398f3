#include "elf_needed.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace hermetic::inproc::elf_needed {
namespace {

std::string self() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// A file in the test's temporary directory holding the first `size` bytes of `from`.
std::string truncated_copy(const std::string& from, std::size_t size) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("elf_needed_" + std::to_string(::getpid())))
          .string();
  std::ifstream in(from, std::ios::binary);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  std::ofstream(path, std::ios::binary).write(bytes.data(), in.gcount());
  return path;
}

TEST(ElfNeeded, ReadsTheLibrariesAnExecutableNeeds) {
  const auto needed = of(self());  // this test links libc dynamically
  ASSERT_TRUE(needed.has_value());
  EXPECT_TRUE(std::any_of(needed->begin(), needed->end(),
                          [](const std::string& name) { return name.starts_with("libc.so"); }));
}

TEST(ElfNeeded, RefusesWhatIsNotAWholeElfFile) {
  EXPECT_FALSE(of("/nonexistent/file.so").has_value());
  EXPECT_FALSE(of("/proc/self/status").has_value());    // text: no ELF magic
  const std::string head = truncated_copy(self(), 80);  // the header, not what it points to
  EXPECT_FALSE(of(head).has_value());
  std::filesystem::remove(head);
}

}  // namespace
}  // namespace hermetic::inproc::elf_needed
