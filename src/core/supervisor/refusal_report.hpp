// The --report line of a call the supervisor refused (docs/report.md, layer "supervisor"): the
// same event its --trace line describes, as data. Written from hermetic's own process, so the
// target cannot forge or suppress these lines.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "seccomp/syscall_rules.hpp"
#include "supervisor/supervisor_calls.hpp"

namespace hermetic::supervisor::refusal_report {

// A refusal's Reply::blocked ("connect(127.0.0.1:8765)", "chmod(/etc/x)", "socket(AF_INET6)")
// in the report's words. Pure, for unit tests.
struct Parts {
  std::string_view capability;  // network, fs_write, ... (docs/report.md)
  std::string_view operation;   // connect, sendto, bind, listen, socket, syscall, chmod, ...
  std::string address;          // network: "127.0.0.1", "::1", "/run/x.sock", "@name"
  long port = -1;
  std::string path;   // fs_write, fs_read, exec
  std::string path2;  // a rename's or link's second path
  std::string name;   // a socket family, a system call
  std::string_view flag;
};
[[nodiscard]] Parts parts_of(const syscall_rules::Rule& rule, std::string_view blocked);

// The flag that refused a capability's calls, as the CLI spells it ("--no-subprocess").
[[nodiscard]] std::string_view refusing_flag(syscall_rules::Capability capability);

// Appends the line for `reply` (refused by `rule`) of thread `tid` to the report file at
// `report_path`. Best effort: a report that cannot be written changes nothing for the target.
void write(const std::string& report_path, const syscall_rules::Rule& rule, const Reply& reply,
           pid_t tid);

// Appends the line of a refusal already in the report's words, seen by `layer` ("supervisor", or
// "landlock" for what the supervisor judged Landlock will refuse), made by thread `tid`.
void write(const std::string& report_path, std::string_view layer, const Parts& parts, pid_t tid);

}  // namespace hermetic::supervisor::refusal_report
