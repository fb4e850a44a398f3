#include "target/exec_chain.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string_view>

#include "base/fd.hpp"
#include "base/path_search.hpp"
#include "hermetic/real_path.hpp"

namespace hermetic::exec_chain {
namespace fs = std::filesystem;
namespace {

// The kernel follows at most this many `#!` levels (BINPRM_MAX_RECURSION).
constexpr int kMaxInterpreterDepth = 4;

// Reads `out` from offset `at`: from `head` (the file's first bytes) when it lies there.
template <class T>
bool read_at(int fd, std::span<const unsigned char> head, std::uint64_t at, T& out) {
  if (at + sizeof out <= head.size()) {
    std::memcpy(&out, head.data() + at, sizeof out);
    return true;
  }
  return ::pread(fd, &out, sizeof out, static_cast<off_t>(at)) == static_cast<ssize_t>(sizeof out);
}

template <class Ehdr, class Phdr>
std::string read_pt_interp(int fd, std::span<const unsigned char> head) {
  Ehdr header{};
  if (!read_at(fd, head, 0, header)) return {};
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr ph{};
    if (!read_at(fd, head, header.e_phoff + std::uint64_t{i} * header.e_phentsize, ph)) return {};
    if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
    std::string interp(ph.p_filesz, '\0');
    if (::pread(fd, interp.data(), interp.size(), static_cast<off_t>(ph.p_offset)) !=
        static_cast<ssize_t>(interp.size())) {
      return {};
    }
    interp.resize(std::strlen(interp.c_str()));
    return interp;
  }
  return {};
}

void add_unique(std::vector<std::string>& files, const std::string& path) {
  if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
}

}  // namespace

std::string elf_interpreter(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  // The ELF header and, in practice, every program header are in the first page.
  std::array<unsigned char, 4096> head{};
  const ssize_t got = ::pread(fd.get(), head.data(), head.size(), 0);
  if (got < EI_NIDENT) return {};
  const std::span<const unsigned char> read(head.data(), static_cast<std::size_t>(got));
  if (std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) return {};
  if (head[EI_CLASS] == ELFCLASS64) return read_pt_interp<Elf64_Ehdr, Elf64_Phdr>(fd.get(), read);
  if (head[EI_CLASS] == ELFCLASS32) return read_pt_interp<Elf32_Ehdr, Elf32_Phdr>(fd.get(), read);
  return {};
}

Shebang read_shebang(const std::string& path) {
  // The first line, read only while it can be a `#!` line: an ELF is told by its first bytes
  // (an ifstream's getline read it up to its first newline byte; read twice a launch).
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {};
  std::string line;
  std::array<char, 256> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const std::string_view got(chunk.data(), static_cast<std::size_t>(n));
    const auto newline = got.find('\n');
    line.append(got.substr(0, newline));
    if (newline != std::string_view::npos || (line.size() >= 2 && !line.starts_with("#!"))) break;
  }
  if (!line.starts_with("#!")) return {};
  // As the kernel does: the interpreter is the first word, the rest (trimmed) one argument.
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  auto begin = std::find_if_not(line.begin() + 2, line.end(), is_blank);
  auto end_of_interp = std::find_if(begin, line.end(), is_blank);
  Shebang out{std::string(begin, end_of_interp), {}};
  auto arg_begin = std::find_if_not(end_of_interp, line.end(), is_blank);
  auto arg_end = line.end();
  while (arg_end != arg_begin && is_blank(*(arg_end - 1))) --arg_end;
  out.argument.assign(arg_begin, arg_end);
  return out;
}

namespace {

// Every file of the chain is granted to the sandbox (EXECUTE and READ_FILE under a read root),
// and the kernel reads the `#!` line and the ELF header again at exec: a file swapped in between
// could name any readable file as its interpreter. The kernel only ever runs an executable one,
// so nothing else is granted.
Status must_be_executable(const std::string& file, const std::string& named_by) {
  if (path_search::is_executable_file(file)) return Ok{};
  return Error{"the interpreter " + file + " named by " + named_by + " is not an executable file"};
}

}  // namespace

Result<std::vector<std::string>> files_executed(const std::string& program,
                                                const std::string& path_env) {
  std::vector<std::string> files;
  std::string current = program;
  for (int depth = 0; depth <= kMaxInterpreterDepth; ++depth) {
    std::error_code ec;
    const std::string real = real_path(current, ec);
    if (ec) return Error{"cannot resolve " + current + ": " + ec.message()};
    add_unique(files, real);

    if (const std::string loader = elf_interpreter(real); !loader.empty()) {
      const std::string loader_real = real_path(loader, ec);
      if (ec) return Error{"cannot resolve the ELF loader " + loader + ": " + ec.message()};
      if (auto ok = must_be_executable(loader_real, real); !ok) return ok.error();
      add_unique(files, loader_real);
      return files;
    }
    const Shebang shebang = read_shebang(real);
    if (shebang.interpreter.empty()) return files;  // static binary or unknown format
    current = shebang.interpreter;
    if (auto ok = must_be_executable(current, real); !ok) return ok.error();
    if (fs::path(current).filename() == "env" && !shebang.argument.empty()) {
      // `#!/usr/bin/env NAME`: env (an ELF) then NAME from PATH, both exec'd.
      add_unique(files, real_path(current, ec));
      if (auto loader = elf_interpreter(current); !loader.empty()) {
        add_unique(files, real_path(loader, ec));
      }
      std::string name = shebang.argument.substr(0, shebang.argument.find(' '));
      auto found = path_search::find(name, path_env);
      if (!found) return Error{"interpreter " + name + " of " + real + " is not on PATH"};
      current = *found;
    }
  }
  return Error{"too many levels of #! interpreters under " + program};
}

}  // namespace hermetic::exec_chain
