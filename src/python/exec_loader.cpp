#include "exec_loader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "base/path_search.hpp"

namespace hermetic::inproc::exec_loader {
namespace {

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

bool read_at(int fd, void* out, std::size_t size, off_t offset) {
  return ::pread(fd, out, size, offset) == static_cast<ssize_t>(size);
}

// Whether an ELF file's program headers include PT_INTERP; the layout of class Ehdr/Phdr.
template <typename Ehdr, typename Phdr>
bool has_interpreter(int fd) {
  Ehdr header{};
  if (!read_at(fd, &header, sizeof header, 0) || header.e_phentsize != sizeof(Phdr)) return false;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr entry{};
    const auto at = static_cast<off_t>(header.e_phoff + static_cast<std::size_t>(i) * sizeof entry);
    if (!read_at(fd, &entry, sizeof entry, at)) return false;
    if (entry.p_type == PT_INTERP) return true;
  }
  return false;
}

bool maps_libraries(const std::string& path, int depth) {
  const Fd file(path);
  if (file.get() < 0) return false;
  std::array<char, 256> head{};
  const ssize_t n = ::pread(file.get(), head.data(), head.size() - 1, 0);
  if (n < 4) return false;
  if (std::memcmp(head.data(), ELFMAG, SELFMAG) == 0) {
    return head[EI_CLASS] == ELFCLASS64 ? has_interpreter<Elf64_Ehdr, Elf64_Phdr>(file.get())
                                        : has_interpreter<Elf32_Ehdr, Elf32_Phdr>(file.get());
  }
  // "#!/bin/sh -e": the kernel runs the interpreter named on the first line (once nested at
  // most, as Linux allows a few levels; two are plenty here).
  if (head[0] != '#' || head[1] != '!' || depth > 1) return false;
  std::string_view line(head.data() + 2, static_cast<std::size_t>(n) - 2);
  line = line.substr(0, line.find('\n'));
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  line = line.substr(start);
  line = line.substr(0, line.find_first_of(" \t"));
  return maps_libraries(std::string(line), depth + 1);
}

}  // namespace

std::string locate(const std::string& program, const std::string& search_path) {
  if (program.empty() || program.find('/') != std::string::npos) return program;
  return path_search::find(program, search_path).value_or(std::string());
}

bool maps_libraries(const std::string& path) { return maps_libraries(path, 0); }

}  // namespace hermetic::inproc::exec_loader
