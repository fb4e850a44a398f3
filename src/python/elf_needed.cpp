#include "elf_needed.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <span>
#include <string_view>

namespace hermetic::inproc::elf_needed {
namespace {

// A read-only mapping of a whole file, unmapped on scope exit. Not executable: this also runs
// after block_native's kernel part, which refuses only executable mappings.
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      void* at =
          ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (at != MAP_FAILED)
        bytes_ = {static_cast<const unsigned char*>(at), static_cast<std::size_t>(st.st_size)};
    }
    ::close(fd);
  }
  ~Mapped() {
    if (!bytes_.empty()) ::munmap(const_cast<unsigned char*>(bytes_.data()), bytes_.size());
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;

  // A copy of the T at `offset`, or false when it would not fit in the file.
  template <typename T>
  bool read(std::uint64_t offset, T* out) const {
    if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T)) return false;
    std::memcpy(out, bytes_.data() + offset, sizeof(T));
    return true;
  }
  // The NUL-terminated string at `offset`, or nullopt when it runs past the file.
  [[nodiscard]] std::optional<std::string> text(std::uint64_t offset) const {
    if (offset >= bytes_.size()) return std::nullopt;
    const auto* start = bytes_.data() + offset;
    const auto* end =
        static_cast<const unsigned char*>(std::memchr(start, '\0', bytes_.size() - offset));
    if (end == nullptr) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(start), static_cast<std::size_t>(end - start));
  }
  [[nodiscard]] bool ok() const { return !bytes_.empty(); }

 private:
  std::span<const unsigned char> bytes_;
};

// The file offset of virtual address `address`, through the PT_LOAD segment that holds it.
std::optional<std::uint64_t> file_offset(const Mapped& file, const Elf64_Ehdr& header,
                                         std::uint64_t address) {
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    if (!file.read(header.e_phoff + std::uint64_t{i} * sizeof segment, &segment)) break;
    if (segment.p_type == PT_LOAD && address >= segment.p_vaddr &&
        address - segment.p_vaddr < segment.p_filesz) {
      return address - segment.p_vaddr + segment.p_offset;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::string>> of(const std::string& path) {
  const Mapped file(path);
  Elf64_Ehdr header{};
  if (!file.ok() || !file.read(0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof(Elf64_Phdr)) {
    return std::nullopt;
  }
  std::optional<Elf64_Phdr> dynamic;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    if (!file.read(header.e_phoff + std::uint64_t{i} * sizeof segment, &segment)) {
      return std::nullopt;
    }
    if (segment.p_type == PT_DYNAMIC) dynamic = segment;
  }
  if (!dynamic) return std::vector<std::string>{};  // links nothing
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> strtab;
  for (std::uint64_t at = 0; at + sizeof(Elf64_Dyn) <= dynamic->p_filesz; at += sizeof(Elf64_Dyn)) {
    Elf64_Dyn entry{};
    if (!file.read(dynamic->p_offset + at, &entry)) return std::nullopt;
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_NEEDED) needed.push_back(entry.d_un.d_val);
    if (entry.d_tag == DT_STRTAB) strtab = file_offset(file, header, entry.d_un.d_ptr);
  }
  if (needed.empty()) return std::vector<std::string>{};
  if (!strtab) return std::nullopt;
  std::vector<std::string> out;
  for (const auto name : needed) {
    auto text = file.text(*strtab + name);
    if (!text) return std::nullopt;
    out.push_back(std::move(*text));
  }
  return out;
}

}  // namespace hermetic::inproc::elf_needed
