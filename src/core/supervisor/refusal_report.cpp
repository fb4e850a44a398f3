#include "supervisor/refusal_report.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <exception>
#include <fstream>
#include <string>

#include "hermetic/report_event.hpp"

namespace hermetic::supervisor::refusal_report {

using syscall_rules::Capability;

std::string_view refusing_flag(Capability capability) {
  switch (capability) {
    case Capability::network:
      return "--no-network";
    case Capability::subprocess:
      return "--no-subprocess";
    case Capability::fs_write:
      return "--fs-readonly";
    case Capability::fs_read:
      return "--fs-readonly=ROOT";
    case Capability::native_code:
      return "--block-native";
    case Capability::system:
      break;
  }
  return {};
}

namespace {

// The supervisor's call names in the report's operations: every addressed send is "sendto" (a
// datagram's or a Fast Open's destination), the xattr calls are "xattr".
std::string_view operation_of(std::string_view call) {
  if (call == "sendmsg" || call == "sendmmsg" || call == "sendto") return "sendto";
  if (call == "setxattr" || call == "removexattr") return "xattr";
  for (const std::string_view known :
       {"connect", "bind", "listen", "socket", "chmod", "chown", "utime"}) {
    if (call == known) return known;
  }
  return {};
}

// "127.0.0.1:80", "[::1]:80" into address and port; anything else (a unix path, "@name",
// "family 17") is an address without a port.
void split_endpoint(std::string_view shown, Parts& parts) {
  const auto colon = shown.rfind(':');
  const bool bracketed = shown.starts_with('[');
  const bool inet =
      colon != std::string_view::npos && colon + 1 < shown.size() &&
      (bracketed ? colon > 0 && shown[colon - 1] == ']'
                 : shown.find(':') == colon && !shown.starts_with('/') && !shown.starts_with('@'));
  long port = -1;
  if (inet) {
    const std::string_view digits = shown.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size()) port = -1;
  }
  if (port < 0) {
    parts.address = std::string(shown);
    return;
  }
  parts.port = port;
  parts.address = std::string(bracketed ? shown.substr(1, colon - 2) : shown.substr(0, colon));
}

// The thread group (the process) of thread `tid`, as /proc tells it; `tid` when it cannot.
pid_t process_of(pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("Tgid:")) {
      try {
        return static_cast<pid_t>(std::stol(line.substr(5)));
      } catch (const std::exception&) {
        break;
      }
    }
  }
  return tid;
}

}  // namespace

Parts parts_of(const syscall_rules::Rule& rule, std::string_view blocked) {
  Parts parts;
  parts.capability = syscall_rules::capability_name(rule.capability);
  parts.flag = refusing_flag(rule.capability);
  const auto open = blocked.find('(');
  const std::string_view call = blocked.substr(0, open);
  std::string_view inside;
  if (open != std::string_view::npos) {
    inside = blocked.substr(open + 1);
    if (inside.ends_with(')')) inside.remove_suffix(1);
  }
  parts.operation = operation_of(call);
  if (parts.operation.empty()) {
    // A traced system call the table names for its capability (io_uring_setup, setsockopt).
    parts.operation = "syscall";
    parts.name = std::string(rule.syscall);
    return parts;
  }
  if (parts.operation == "socket") {
    parts.name = std::string(inside);  // the family: AF_INET6, AF_PACKET, "17"
  } else if (rule.capability == Capability::network) {
    split_endpoint(inside, parts);
  } else {
    parts.path = std::string(inside);
  }
  return parts;
}

void write(const std::string& report_path, const syscall_rules::Rule& rule, const Reply& reply,
           pid_t tid) {
  write(report_path, "supervisor", parts_of(rule, reply.blocked), tid);
}

void write(const std::string& report_path, std::string_view layer, const Parts& parts, pid_t tid) {
  const pid_t pid = process_of(tid);
  // The caller's executable, best effort: it may have exited, or be another user's.
  std::array<char, 4096> exe{};
  const std::string link = "/proc/" + std::to_string(tid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), exe.data(), exe.size() - 1);
  report::Event event{.capability = parts.capability,
                      .operation = parts.operation,
                      .layer = layer,
                      .pid = pid,
                      .program = n > 0 ? std::string_view(exe.data(), static_cast<std::size_t>(n))
                                       : std::string_view(),
                      .path = parts.path,
                      .path2 = parts.path2,
                      .address = parts.address,
                      .port = parts.port,
                      .name = parts.name,
                      .flag = parts.flag};
  (void)report::append(report_path.c_str(), event);
}

}  // namespace hermetic::supervisor::refusal_report
