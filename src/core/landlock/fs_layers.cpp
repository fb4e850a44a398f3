#include "landlock/fs_layers.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "landlock/landlock_abi.hpp"

namespace hermetic::fs_layers {
namespace {

namespace ll = landlock::uapi::fs;

constexpr std::uint64_t kRead = ll::kReadFile | ll::kReadDir;
constexpr std::uint64_t kReadExec = kRead | ll::kExecute;
constexpr std::uint64_t kDevice = ll::kMakeChar | ll::kMakeBlock;

struct SystemPath {
  std::string_view path;
  std::uint64_t rights;
  std::string_view why;
};

// Written to by ordinary programs without being "the disk".
constexpr std::array kWritableDevices{
    SystemPath{"/dev/null", ll::kWriteFile | ll::kIoctlDev, "discarded output"},
    SystemPath{"/dev/zero", ll::kWriteFile | ll::kIoctlDev, "discarded output"},
    SystemPath{"/dev/full", ll::kWriteFile | ll::kIoctlDev, "discarded output"},
    SystemPath{"/dev/tty", ll::kWriteFile | ll::kIoctlDev, "the terminal"},
    SystemPath{"/dev/pts", ll::kWriteFile | ll::kIoctlDev, "the terminal: pseudo-terminals"},
    SystemPath{"/dev/ptmx", ll::kWriteFile | ll::kIoctlDev, "the terminal: new ptys"},
};

// Readable under --fs-readonly=ROOT for every target. The choice: what the dynamic loader, libc,
// OpenSSL and CPython open to start and to do ordinary work (TLS, time, locale, name
// resolution), and nothing that holds user data. Libraries are whole directories (not the
// ldd list of one ELF) because dlopen'd modules, gconv and Python's lib-dynload live there too.
// Not included, add them with --allow-read: /proc (another process's command line is readable
// there), /etc/passwd and /etc/group (getpwuid; user names), /dev/shm (POSIX semaphores).
constexpr std::array kSystemReads{
    SystemPath{"/lib", kReadExec, "shared libraries"},
    SystemPath{"/lib32", kReadExec, "shared libraries"},
    SystemPath{"/lib64", kReadExec, "shared libraries"},
    SystemPath{"/libx32", kReadExec, "shared libraries"},
    SystemPath{"/usr/lib", kReadExec, "shared libraries, OpenSSL config, locales, Python"},
    SystemPath{"/usr/lib32", kReadExec, "shared libraries"},
    SystemPath{"/usr/lib64", kReadExec, "shared libraries"},
    SystemPath{"/usr/libx32", kReadExec, "shared libraries"},
    SystemPath{"/usr/local/lib", kReadExec, "shared libraries, Python packages"},
    // Files only (no listing): programs the target may run; system binaries hold no user data.
    SystemPath{"/bin", ll::kReadFile | ll::kExecute, "programs"},
    SystemPath{"/sbin", ll::kReadFile | ll::kExecute, "programs"},
    SystemPath{"/usr/bin", ll::kReadFile | ll::kExecute, "programs"},
    SystemPath{"/usr/sbin", ll::kReadFile | ll::kExecute, "programs"},
    SystemPath{"/usr/local/bin", ll::kReadFile | ll::kExecute, "programs"},
    SystemPath{"/etc/ld.so.cache", ll::kReadFile, "the dynamic loader"},
    SystemPath{"/etc/ld.so.preload", ll::kReadFile, "the dynamic loader"},
    // Not /etc/ssl whole: /etc/ssl/private holds the machine's private keys.
    SystemPath{"/etc/ssl/certs", kRead, "TLS certificates"},
    SystemPath{"/etc/ssl/openssl.cnf", ll::kReadFile, "OpenSSL configuration"},
    SystemPath{"/etc/ca-certificates", kRead, "TLS certificates"},
    SystemPath{"/etc/pki", kRead, "TLS certificates"},
    SystemPath{"/usr/share/ca-certificates", kRead, "TLS certificates"},
    SystemPath{"/usr/share/locale", kRead, "locale"},
    // glibc's setlocale reads it at every start with a locale set (LANG=C.UTF-8 too); refused, it
    // was a --report line in every run for nothing.
    SystemPath{"/etc/locale.alias", ll::kReadFile, "locale"},
    SystemPath{"/usr/share/i18n", kRead, "locale"},
    SystemPath{"/usr/share/zoneinfo", kRead, "time zones"},
    SystemPath{"/etc/localtime", ll::kReadFile, "time zone"},
    SystemPath{"/etc/timezone", ll::kReadFile, "time zone"},
    SystemPath{"/usr/share/terminfo", kRead, "terminal descriptions"},
    SystemPath{"/etc/hosts", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/resolv.conf", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/nsswitch.conf", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/host.conf", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/gai.conf", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/services", ll::kReadFile, "name resolution"},
    SystemPath{"/etc/protocols", ll::kReadFile, "name resolution"},
    SystemPath{"/dev/null", ll::kReadFile, "standard devices"},
    SystemPath{"/dev/zero", ll::kReadFile, "standard devices"},
    SystemPath{"/dev/full", ll::kReadFile, "standard devices"},
    SystemPath{"/dev/random", ll::kReadFile, "standard devices"},
    SystemPath{"/dev/urandom", ll::kReadFile, "standard devices"},
    // The controlling terminal and new ptys; of /dev/pts only the target's own terminal (its
    // stdio, Inputs::terminals): another session's pty would give away what its user types.
    SystemPath{"/dev/tty", ll::kReadFile, "the terminal"},
    SystemPath{"/dev/ptmx", ll::kReadFile, "the terminal: new ptys"},
    SystemPath{"/sys/devices/system/cpu", kRead, "CPU count (glibc get_nprocs)"},
};

// Adds a rule, or widens an earlier rule for the same path (the first reason stays; a path
// some input requires stays required).
void add(std::vector<landlock::PathRule>& rules, const std::string& path, std::uint64_t rights,
         std::string why, bool optional = false) {
  auto same = std::find_if(rules.begin(), rules.end(),
                           [&](const landlock::PathRule& r) { return r.path == path; });
  if (same != rules.end()) {
    same->allowed_access |= rights;
    same->optional = same->optional && optional;
    return;
  }
  rules.push_back({path, rights, std::move(why), optional});
}

// A machine-dependent path: the rule is dropped when the path is missing (landlock::build).
void add_optional(std::vector<landlock::PathRule>& rules, std::string_view path,
                  std::uint64_t rights, std::string_view why) {
  add(rules, std::string(path), rights, std::string(why), /*optional=*/true);
}

std::string by_fd(const InheritedFile& file) { return "/proc/self/fd/" + std::to_string(file.fd); }

std::string inherited(const InheritedFile& file) {
  return "inherited as fd " + std::to_string(file.fd) + ": " + file.path;
}

landlock::Layer write_layer(const Inputs& in) {
  const std::uint64_t handled = write_rights(in.landlock_abi);
  landlock::Layer layer{"read-only filesystem", 1, handled, 0, {}};
  for (const auto& dev : kWritableDevices) {
    add_optional(layer.rules, dev.path, dev.rights & handled, dev.why);
  }
  const std::uint64_t writable = handled & ~kDevice;
  if (!in.private_tmpdir.empty()) {
    add(layer.rules, in.private_tmpdir, writable, "the run's private TMPDIR");
  }
  for (const auto& path : in.allow_write) add(layer.rules, path, writable, "--allow-write");
  for (const auto& file : in.stdio_write) {
    add(layer.rules, by_fd(file), ll::kWriteFile & handled, inherited(file));
  }
  // Appending a line is all the report needs: no truncation (not handled anyway), no creation
  // beside it, no removal.
  if (!in.report_file.empty()) {
    add(layer.rules, in.report_file, ll::kWriteFile & handled, "--report (the run's report lines)");
  }
  return layer;
}

landlock::Layer read_layer(const Inputs& in) {
  const std::uint64_t handled = read_rights(in.landlock_abi);
  const std::uint64_t refer = handled & ll::kRefer;
  landlock::Layer layer{"reads confined to " + *in.read_root, 1, handled, 0, {}};
  add(layer.rules, *in.read_root, kReadExec, "--fs-readonly=ROOT");
  for (const auto& path : in.allow_read) add(layer.rules, path, kReadExec, "--allow-read");
  // Writable places stay readable, and renames inside them keep working (REFER).
  if (!in.private_tmpdir.empty()) {
    add(layer.rules, in.private_tmpdir, kReadExec | refer, "the run's private TMPDIR");
  }
  for (const auto& path : in.allow_write) {
    add(layer.rules, path, kReadExec | refer, "--allow-write (stays readable)");
  }
  for (const auto& file : in.exec_files) {
    add(layer.rules, file, ll::kReadFile | ll::kExecute, "exec chain of the target");
  }
  // Read and execute (a directory's programs listed too: READ_DIR is dropped for a file).
  for (const auto& program : in.exec_allowed)
    add(layer.rules, program.path, kReadExec, program.why);
  for (const auto& file : in.stdio_read) {
    add(layer.rules, by_fd(file), ll::kReadFile, inherited(file));
  }
  for (const auto& terminal : in.terminals) {
    add(layer.rules, by_fd(terminal), ll::kReadFile, "the terminal: " + inherited(terminal));
  }
  for (const auto& need : in.runtime_reads)
    add_optional(layer.rules, need.path, kReadExec, need.why);
  for (const auto& sys : kSystemReads) add_optional(layer.rules, sys.path, sys.rights, sys.why);
  return layer;
}

}  // namespace

std::uint64_t write_rights(int abi) {
  std::uint64_t rights = ll::kWriteFile | ll::kRemoveDir | ll::kRemoveFile | ll::kMakeChar |
                         ll::kMakeDir | ll::kMakeReg | ll::kMakeSock | ll::kMakeFifo |
                         ll::kMakeBlock | ll::kMakeSym;
  if (abi >= 2) rights |= ll::kRefer;
  // Not TRUNCATE (ABI 3): handling it makes every open of a regular file walk its path to the
  // root; the seccomp rows refuse truncation without write access instead (syscall_rules.cpp).
  if (abi >= 5) rights |= ll::kIoctlDev;
  return rights;
}

std::uint64_t read_rights(int abi) { return kReadExec | (abi >= 2 ? ll::kRefer : 0); }

std::vector<landlock::Layer> layers(const Inputs& inputs) {
  std::vector<landlock::Layer> out;
  out.push_back(write_layer(inputs));
  if (inputs.read_root) out.push_back(read_layer(inputs));
  return out;
}

std::string rights_names(std::uint64_t mask) {
  static constexpr std::array<std::string_view, 16> kNames{
      "execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
      "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
      "make_sym",  "refer",      "truncate",  "ioctl_dev"};
  std::string out;
  for (std::size_t bit = 0; bit < kNames.size(); ++bit) {
    if ((mask & (1ULL << bit)) == 0) continue;
    if (!out.empty()) out += ' ';
    out += kNames[bit];
  }
  return out;
}

}  // namespace hermetic::fs_layers
