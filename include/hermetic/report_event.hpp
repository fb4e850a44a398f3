// One line of a `--report` file: a refused use of a capability (or, in learn mode, an observed
// one) as a JSON object, format version 1 (docs/report.md). Every layer writes the same lines:
// the supervisor and the CLI from hermetic's process, the in-process layer from Python, the
// preloaded library from inside any program. So this header is self-contained: no allocation,
// no exceptions, no libstdc++ symbols (the preloaded library links none), only libc.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace hermetic::report {

// Bumped on any change a reader must know of; fields are only ever added within a version.
inline constexpr int kFormatVersion = 1;

// The environment variable that names the report file to the target's own layers (hermetic
// sets it; --no-environment keeps it).
inline constexpr std::string_view kReportPathVariable = "HERMETIC_REPORT";

// The capabilities ("network", "subprocess", space-separated) whose refusals hermetic's
// supervisor writes itself (--report's notifying rows, syscall_rules.hpp): the preloaded library,
// which sees the same refusals as libc calls, then leaves their report lines to it (one refusal,
// one line) and prints only its stderr note.
inline constexpr std::string_view kSupervisorReportsVariable = "HERMETIC_REPORT_SUPERVISED";

// A line is written with one write() to a file opened O_APPEND, so lines from concurrent
// processes never interleave; at most PIPE_BUF bytes keeps that true on every filesystem.
inline constexpr std::size_t kMaxLine = 4096;

// The first frame of the program's own code (outside the standard library and hermetic), for a
// Python caller.
struct Frame {
  std::string_view file{};
  long line = 0;
  std::string_view function{};
};

// What happened. The capability names the policy's vocabulary (docs/report.md lists each
// capability's operations); the detail fields not used by an event stay empty and are left out.
// Every member has a default, so that a designated initializer names only what an event has
// (GCC's -Wmissing-field-initializers warns of a skipped member without one).
struct Event {
  std::string_view
      capability{};  // network, subprocess, fs_write, fs_read, environment, code, import, native
  std::string_view operation{};  // connect, bind, exec, create, getenv, ... (docs/report.md)
  std::string_view decision = "refused";  // or "observed" (learn mode)
  std::string_view layer{};               // supervisor, preload, inprocess, cli (docs/report.md)
  long pid = 0;
  std::string_view program{};  // the process's executable (its path, or argv[0] when unknown)
  std::string_view path{};     // a file or directory
  std::string_view path2{};    // the second path of a rename or link
  std::string_view address{};  // "127.0.0.1", "::1", "/run/x.sock", "@abstract"
  long port = -1;              // with address, for inet families
  std::string_view name{};     // a host name, an environment variable, a module, a syscall
  std::string_view flag{};     // the flag (or keyword) that refused it, or would allow it
  const Frame* frame = nullptr;
};

// A fixed buffer the line is built in. Each string has a budget, so that no event can overflow
// it: a longer value is cut at a character boundary and the line says "truncated":true.
class Line {
 public:
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, len_}; }
  [[nodiscard]] bool truncated() const noexcept { return truncated_; }
  [[nodiscard]] bool lossy() const noexcept { return lossy_; }

  void raw(std::string_view text) noexcept {
    for (char c : text) put(c);
  }

  void number(long value) noexcept {
    char digits[24];
    const int n = std::snprintf(digits, sizeof digits, "%ld", value);
    if (n > 0) raw(std::string_view(digits, static_cast<std::size_t>(n)));
  }

  // A JSON string. A byte that is not part of well-formed UTF-8 (paths need not be) becomes
  // U+FFFD and the line says "lossy":true: strict JSON readers refuse lone surrogates, and a
  // policy file (TOML) cannot name such a path anyway.
  void string(std::string_view text, std::size_t budget = kStringBudget) noexcept {
    put('"');
    const std::size_t stop = len_ + budget;
    std::size_t i = 0;
    while (i < text.size()) {
      if (len_ + 6 > stop) {  // the longest single escape
        truncated_ = true;
        break;
      }
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '"' || c == '\\') {
        put('\\');
        put(static_cast<char>(c));
        ++i;
      } else if (c < 0x20 || c == 0x7f) {
        escape(c);
        ++i;
      } else if (c < 0x80) {
        put(static_cast<char>(c));
        ++i;
      } else if (const std::size_t n = utf8_length(text.substr(i)); n != 0) {
        raw(text.substr(i, n));
        i += n;
      } else {
        raw("\xef\xbf\xbd");
        lossy_ = true;
        ++i;
      }
    }
    put('"');
  }

  // Seven long strings (program, the detail's four, the frame's two) and six short ones, each
  // within its budget, plus the fixed text (~300 bytes) stay below kMaxLine.
  static constexpr std::size_t kStringBudget = 460;
  static constexpr std::size_t kShortBudget = 64;

 private:
  void put(char c) noexcept {
    if (len_ < sizeof buf_) {
      buf_[len_++] = c;
    } else {
      truncated_ = true;  // unreachable within the budgets; never writes past the buffer
    }
  }

  void escape(unsigned char c) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    const char text[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
    raw(std::string_view(text, sizeof text));
  }

  // The length of the well-formed UTF-8 sequence at the start of text (RFC 3629: no overlong
  // forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
  static std::size_t utf8_length(std::string_view text) noexcept {
    const auto b0 = static_cast<unsigned char>(text[0]);
    std::size_t n = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      n = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 3;
      if (b0 == 0xe0) lo = 0xa0;
      if (b0 == 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 4;
      if (b0 == 0xf0) lo = 0x90;
      if (b0 == 0xf4) hi = 0x8f;
    } else {
      return 0;
    }
    if (text.size() < n) return 0;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(text[k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return 0;
    }
    return n;
  }

  char buf_[kMaxLine]{};
  std::size_t len_ = 0;
  bool truncated_ = false;
  bool lossy_ = false;
};

// Encodes event at time now (CLOCK_REALTIME) into line: one JSON object and a newline.
inline void encode(const Event& event, const timespec& now, Line& line) noexcept {
  line.raw("{\"v\":");
  line.number(kFormatVersion);

  tm utc{};
  const time_t seconds = now.tv_sec;
  gmtime_r(&seconds, &utc);
  char when[40];
  const int n = std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
                              utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, now.tv_nsec / 1000);
  line.raw(",\"time\":");
  line.string(n > 0 ? std::string_view(when, static_cast<std::size_t>(n)) : std::string_view(),
              Line::kShortBudget);
  line.raw(",\"pid\":");
  line.number(event.pid);

  const auto field = [&line](std::string_view key, std::string_view value,
                             std::size_t budget = Line::kShortBudget) {
    if (value.empty()) return;
    line.raw(",\"");
    line.raw(key);
    line.raw("\":");
    line.string(value, budget);
  };
  field("program", event.program, Line::kStringBudget);
  field("capability", event.capability);
  field("operation", event.operation);
  field("decision", event.decision);
  field("layer", event.layer);
  field("flag", event.flag);

  line.raw(",\"detail\":{");
  bool first = true;
  const auto detail = [&line, &first](std::string_view key) {
    line.raw(first ? "\"" : ",\"");
    first = false;
    line.raw(key);
    line.raw("\":");
  };
  const auto detail_string = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    detail(key);
    line.string(value);
  };
  detail_string("path", event.path);
  detail_string("path2", event.path2);
  detail_string("address", event.address);
  if (event.port >= 0) {
    detail("port");
    line.number(event.port);
  }
  detail_string("name", event.name);
  line.raw("}");

  if (event.frame != nullptr) {
    line.raw(R"(,"frame":{"file":)");
    line.string(event.frame->file);
    line.raw(",\"line\":");
    line.number(event.frame->line);
    line.raw(",\"function\":");
    line.string(event.frame->function);
    line.raw("}");
  }

  if (line.truncated()) line.raw(",\"truncated\":true");
  if (line.lossy()) line.raw(",\"lossy\":true");
  line.raw("}");
  line.raw("\n");
}

// Appends one event to the report file at path (opened and closed here: a process that forks,
// closes its fds or execs keeps reporting). Returns false when it could not (no report asked
// for, or the file cannot be opened); reporting never changes what the program sees.
inline bool append(const char* path, const Event& event) noexcept {
  if (path == nullptr || *path == '\0') return false;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  Line line;
  encode(event, now, line);
  const int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  const std::string_view text = line.view();
  const ssize_t written = write(fd, text.data(), text.size());
  close(fd);
  return written == static_cast<ssize_t>(text.size());
}

}  // namespace hermetic::report
