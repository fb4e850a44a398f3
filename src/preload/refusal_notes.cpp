// One line on stderr when the kernel layer refuses a program that is not Python a socket or a
// new process. A Python target hears of a refusal from the in-process layer; any other program
// only sees an errno, and curl's "Couldn't connect to server" or bash's "fork: Operation not
// permitted" read like a fault of the server or the machine, not a sandbox at work.
//
// The seccomp rows that refuse these calls (socket under --no-network, fork and exec under
// --no-subprocess) are plain BPF: no supervisor hears of them, and making them supervised would
// cost every run a waiting hermetic process. Instead this library, already in every process of
// the run, interposes the libc functions that make the calls: each calls the real function and,
// when it failed with the errno of the refusing row and the policy blocks that capability, writes
// one line, once per capability and process, and (with --report) one report line per refusal. A
// run refused nothing pays one lookup of the real function per function used. Nothing here
// enforces anything: the kernel already refused.
//
// Not seen: statically linked programs, raw syscalls, and libc's internal calls (system() and
// popen() spawn through libc itself). Calls the supervisor decides (--allow-localhost,
// --allow-domain) are reported by the supervisor, with the address; so are refused sockets,
// forks and execs under --report when a supervisor can serve (the rows then notify it), and this
// library writes only their stderr notes.
#include <dlfcn.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hermetic/report_event.hpp"
#include "hermetic/report_lines.hpp"

namespace {

enum Capability : unsigned char { kNetwork, kSubprocess, kCapabilities };

// Whether the run's policy blocks the capability, from the JSON the CLI hands every process
// (src/core/policy/policy_json.cpp writes it compact). Under --trace the supervisor reports network
// refusals itself.
bool reported_here(Capability capability) {
  const char* policy = std::getenv("HERMETIC_POLICY");
  if (policy == nullptr) return false;
  if (capability == kNetwork) {
    return std::strstr(policy, "\"block_network\":true") != nullptr &&
           std::strstr(policy, "\"trace\":true") == nullptr;
  }
  return std::strstr(policy, "\"block_subprocess\":true") != nullptr;
}

std::array<std::atomic<bool>, kCapabilities> g_said{};

// What the --report line of a refusal says beyond the note (docs/report.md, layer "preload").
struct Detail {
  std::string_view operation{};  // socket, fork, exec
  std::string_view path{};       // exec: the program
  std::string_view name{};       // socket: the family
};

// The --report line: every refusal, not once per capability as the note. The file is the one
// hermetic names in HERMETIC_REPORT; nothing is written without it.
void report(Capability capability, const Detail& detail) {
  const char* path = std::getenv(hermetic::report::kReportPathVariable.data());
  if (path == nullptr) return;
  // The supervisor writes these itself when the kernel's rows notify it (report_event.hpp).
  const char* supervised = std::getenv(hermetic::report::kSupervisorReportsVariable.data());
  if (supervised != nullptr &&
      std::strstr(supervised, capability == kNetwork ? "network" : "subprocess") != nullptr) {
    return;
  }
  std::array<char, 4096> exe{};
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  const std::string_view program =
      n > 0 ? std::string_view(exe.data(), static_cast<std::size_t>(n))
            : std::string_view(program_invocation_name != nullptr ? program_invocation_name : "");
  const bool network = capability == kNetwork;
  const hermetic::report::Event event{.capability = network ? "network" : "subprocess",
                                      .operation = detail.operation,
                                      .layer = "preload",
                                      .pid = static_cast<long>(getpid()),
                                      .program = program,
                                      .path = detail.path,
                                      .name = detail.name,
                                      .flag = network ? "--no-network" : "--no-subprocess"};
  (void)hermetic::report::append(path, event);
}

// Under --trace every refusal gets its line, as every report line has its trace line.
bool traced() {
  const char* policy = std::getenv("HERMETIC_POLICY");
  return policy != nullptr && std::strstr(policy, "\"trace\":true") != nullptr;
}

// Writes `[hermetic] blocked action: <what> by <program>; <hint>` once per capability (each
// time under --trace), and the report line of every refusal. Keeps errno.
void note(Capability capability, const char* what, const char* hint, const Detail& detail) {
  const int saved = errno;
  if (reported_here(capability)) {
    report(capability, detail);
    if (!g_said[capability].exchange(true) || traced()) {
      std::array<char, 512> line{};
      const char* program =
          program_invocation_short_name != nullptr ? program_invocation_short_name : "?";
      const int n = std::snprintf(line.data(), line.size(), "%.*s%s by %s (pid %d); %s\n",
                                  static_cast<int>(hermetic::kTraceLinePrefix.size()),
                                  hermetic::kTraceLinePrefix.data(), what, program,
                                  static_cast<int>(getpid()), hint);
      if (n > 0) {
        const auto length = std::min<std::size_t>(static_cast<std::size_t>(n), line.size() - 1);
        (void)!write(STDERR_FILENO, line.data(), length);
      }
    }
  }
  errno = saved;
}

constexpr const char* kNetworkHint =
    "--allow-localhost or --allow-domain NAME would allow some destinations";
constexpr const char* kSubprocessHint =
    "--no-subprocess refuses new processes and programs; --allow-exec PROGRAM allows listed ones";

// The next definition of `name` after this library's: libc's.
template <typename Fn>
Fn real(const char* name, std::atomic<Fn>& cache) {
  Fn fn = cache.load(std::memory_order_acquire);
  if (fn == nullptr) {
    fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
    cache.store(fn, std::memory_order_release);
  }
  return fn;
}

// Landlock's refusal of a program outside the run's --allow-exec list, or the exec row's.
void exec_refused(const char* path) {
  if (errno != EACCES) return;
  std::array<char, 320> what{};
  (void)std::snprintf(what.data(), what.size(), "subprocess disabled: exec(%.256s)",
                      path != nullptr ? path : "(an fd)");
  std::array<char, 320> hint{};
  if (path != nullptr) {
    (void)std::snprintf(hint.data(), hint.size(),
                        "--no-subprocess runs only the programs of --allow-exec (allow with "
                        "--allow-exec %.200s)",
                        path);
  }
  note(kSubprocess, what.data(), path != nullptr ? hint.data() : kSubprocessHint,
       {.operation = "exec", .path = path != nullptr ? path : ""});
}

using SocketFn = int (*)(int, int, int);
using ForkFn = pid_t (*)();
using ExecveFn = int (*)(const char*, char* const*, char* const*);
using ExecvFn = int (*)(const char*, char* const*);
using FexecveFn = int (*)(int, char* const*, char* const*);
using SpawnFn = int (*)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                        const posix_spawnattr_t*, char* const*, char* const*);

std::atomic<SocketFn> g_socket{};
std::atomic<ForkFn> g_fork{};
std::atomic<ExecveFn> g_execve{};
std::atomic<ExecvFn> g_execv{};
std::atomic<ExecvFn> g_execvp{};
std::atomic<ExecveFn> g_execvpe{};
std::atomic<FexecveFn> g_fexecve{};
std::atomic<SpawnFn> g_posix_spawn{};
std::atomic<SpawnFn> g_posix_spawnp{};

// execl and friends pass argv as arguments: collected here, up to a bound no fixed list of
// arguments in a program reaches (beyond it: E2BIG, as for an argument list the kernel refuses).
constexpr std::size_t kMaxListedArgs = 4096;

// Collects `first` and the va_list's strings up to their NULL into `argv`; false when too many.
bool collect(const char* first, va_list& list, std::array<char*, kMaxListedArgs>& argv) {
  std::size_t n = 0;
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): every caller va_start'ed `list`
  for (const char* a = first; a != nullptr; a = va_arg(list, const char*)) {
    if (n + 1 >= argv.size()) return false;
    argv[n++] = const_cast<char*>(a);  // NOLINT: exec's argv type
  }
  argv[n] = nullptr;
  return true;
}

int too_many_arguments() {
  errno = E2BIG;  // as for an argument list the kernel refuses
  return -1;
}

}  // namespace

// The interposed functions keep libc's names and signatures.
// NOLINTBEGIN(readability-identifier-naming, cppcoreguidelines-pro-type-vararg)
extern "C" {

int socket(int domain, int type, int protocol) {
  const int fd = real("socket", g_socket)(domain, type, protocol);
  if (fd < 0 && errno == EACCES && domain != AF_UNIX) {
    const std::string_view name = hermetic::socket_family_name(domain);
    const std::string_view shown = name.empty() ? "a non-local family" : name;
    std::array<char, 96> what{};
    (void)std::snprintf(what.data(), what.size(), "network disabled: socket(%.*s)",
                        static_cast<int>(shown.size()), shown.data());
    std::array<char, 24> number{};  // the report names a family it has no name for by number
    const int digits = std::snprintf(number.data(), number.size(), "%d", domain);
    note(kNetwork, what.data(), kNetworkHint,
         {.operation = "socket",
          .name = !name.empty() ? name
                                : std::string_view(number.data(),
                                                   static_cast<std::size_t>(std::max(digits, 0)))});
  }
  return fd;
}

pid_t fork() {
  const pid_t pid = real("fork", g_fork)();
  if (pid < 0 && errno == EPERM) {
    note(kSubprocess, "subprocess disabled: fork", kSubprocessHint, {.operation = "fork"});
  }
  return pid;
}

int execve(const char* path, char* const argv[], char* const envp[]) {
  const int rc = real("execve", g_execve)(path, argv, envp);
  exec_refused(path);
  return rc;
}

int execv(const char* path, char* const argv[]) {
  const int rc = real("execv", g_execv)(path, argv);
  exec_refused(path);
  return rc;
}

int execvp(const char* file, char* const argv[]) {
  const int rc = real("execvp", g_execvp)(file, argv);
  exec_refused(file);
  return rc;
}

int execvpe(const char* file, char* const argv[], char* const envp[]) {
  const int rc = real("execvpe", g_execvpe)(file, argv, envp);
  exec_refused(file);
  return rc;
}

int fexecve(int fd, char* const argv[], char* const envp[]) {
  const int rc = real("fexecve", g_fexecve)(fd, argv, envp);
  exec_refused(nullptr);
  return rc;
}

int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  const int err = real("posix_spawn", g_posix_spawn)(pid, path, actions, attr, argv, envp);
  if (err == EPERM) {
    note(kSubprocess, "subprocess disabled: posix_spawn", kSubprocessHint,
         {.operation = "fork", .path = path});
  }
  if (err == EACCES) {
    errno = EACCES;
    exec_refused(path);
  }
  return err;
}

int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  const int err = real("posix_spawnp", g_posix_spawnp)(pid, file, actions, attr, argv, envp);
  if (err == EPERM) {
    note(kSubprocess, "subprocess disabled: posix_spawn", kSubprocessHint,
         {.operation = "fork", .path = file});
  }
  if (err == EACCES) {
    errno = EACCES;
    exec_refused(file);
  }
  return err;
}

// execl(path, arg0, ..., NULL), execlp(file, ...), execle(path, ..., NULL, envp): the listed
// arguments collected (and execle's envp after them), then the v-form, interposed above.
int execl(const char* path, const char* arg, ...) {
  std::array<char*, kMaxListedArgs> argv{};
  va_list list;
  va_start(list, arg);
  const bool fits = collect(arg, list, argv);
  va_end(list);
  return fits ? execv(path, argv.data()) : too_many_arguments();
}

int execlp(const char* file, const char* arg, ...) {
  std::array<char*, kMaxListedArgs> argv{};
  va_list list;
  va_start(list, arg);
  const bool fits = collect(arg, list, argv);
  va_end(list);
  return fits ? execvp(file, argv.data()) : too_many_arguments();
}

int execle(const char* path, const char* arg, ...) {
  std::array<char*, kMaxListedArgs> argv{};
  va_list list;
  va_start(list, arg);
  const bool fits = collect(arg, list, argv);
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start'ed above, walked by collect
  char* const* envp = fits ? va_arg(list, char* const*) : nullptr;
  va_end(list);
  return fits ? execve(path, argv.data(), envp) : too_many_arguments();
}

}  // extern "C"
// NOLINTEND(readability-identifier-naming, cppcoreguidelines-pro-type-vararg)
