#include "report_line.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "hermetic/report_event.hpp"
#include "py_ref.hpp"

namespace hermetic::inproc::report_line {
namespace {

// "network disabled: connect(127.0.0.1:80) (allow with ...)" -> the call and what is inside its
// parentheses: ("connect", "127.0.0.1:80"). The call is what follows the message's first ": ".
std::pair<std::string_view, std::string_view> call_of(std::string_view message) {
  const auto colon = message.find(": ");
  if (colon == std::string_view::npos) return {};
  std::string_view rest = message.substr(colon + 2);
  const auto open = rest.find('(');
  if (open == std::string_view::npos) return {rest.substr(0, rest.find(' ')), {}};
  // The matching parenthesis: the hint that may follow has its own.
  int depth = 0;
  std::size_t close = open;
  for (; close < rest.size(); ++close) {
    if (rest[close] == '(') ++depth;
    if (rest[close] == ')' && --depth == 0) break;
  }
  return {rest.substr(0, open), rest.substr(open + 1, close - open - 1)};
}

// "127.0.0.1:80", "[::1]:80" (host_port brackets IPv6) into address and port.
void split_endpoint(std::string_view text, Words& words) {
  const auto colon = text.rfind(':');
  long port = -1;
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size()) port = -1;
  }
  std::string_view host = port >= 0 ? text.substr(0, colon) : text;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  words.address = std::string(host);
  words.port = port;
}

std::string_view fs_operation(std::string_view event) {
  if (event == "os.rename" || event == "os.replace") return "rename";
  if (event == "os.link" || event == "os.symlink") return "link";
  if (event == "os.remove" || event == "os.unlink" || event == "os.rmdir" ||
      event == "shutil.rmtree") {
    return "remove";
  }
  if (event == "os.mkdir") return "mkdir";
  if (event == "os.chmod" || event == "os.lchmod") return "chmod";
  if (event == "os.chown" || event == "os.lchown") return "chown";
  if (event == "os.utime") return "utime";
  if (event == "os.truncate") return "truncate";
  if (event.find("xattr") != std::string_view::npos) return "xattr";
  if (event == "os.mkfifo" || event == "os.mknod") return "create";
  return "open";
}

}  // namespace

Words words_of(const Denial& denial) {
  Words words;
  const std::string_view guard = denial.guard;
  const std::string_view message = denial.message;
  const auto [call, inside] = call_of(message);
  if (guard == "network") {
    words.capability = "network";
    if (call == "socket") {
      words.operation = "socket";
      words.name = std::string(inside);
    } else if (call == "DNS") {
      words.operation = "resolve";
      words.name = denial.target;
    } else {
      words.operation = call == "bind" ? "bind" : call == "connect" ? "connect" : "sendto";
      split_endpoint(inside, words);
    }
  } else if (guard == "subprocess") {
    words.capability = "subprocess";
    const bool forks = call == "os.fork" || call == "os.forkpty";
    words.operation = forks || denial.target.empty() ? "fork" : "exec";
    words.path = denial.target;
  } else if (guard == "filesystem") {
    const bool read = denial.kind == ErrorKind::kReadOutside;
    words.capability = read ? "fs_read" : "fs_write";
    words.operation = read                                         ? "open"
                      : message.starts_with("filesystem readonly") ? "open"
                                                                   : fs_operation(call);
    words.path = denial.target;
  } else if (guard == "environment") {
    words.capability = "environment";
    words.operation = message.starts_with("environment mutation") ? "setenv" : "getenv";
    // A read of /proc/PID/environ names the file; a variable names itself.
    if (denial.target.starts_with('/')) {
      words.path = denial.target;
    } else {
      words.name = denial.target;
    }
  } else if (guard == "code_exec") {
    words.capability = "code";
    words.operation = denial.target == "compile" ? "compile" : "exec";
    words.name = denial.target;
  } else if (guard == "imports") {
    const bool native = message.starts_with("native") || denial.report_capability == "native";
    words.capability = native ? "native" : "import";
    if (!native) {
      words.operation = "import";
      words.name = denial.target;
    } else if (message.starts_with("native code blocked: write to")) {
      words.operation = "exec_memory";  // a write to /proc/self/mem
      words.path = denial.target;
    } else if (message.starts_with("native code blocked: ")) {
      words.operation = "exec";  // a dynamically linked program under the no-exec-memory rows
      words.path = denial.target;
    } else {
      words.operation = "load";
      words.name = denial.target;
    }
  } else if (guard == "interpreter") {
    words.capability = "interpreter";
    words.operation = denial.target == "chdir"            ? "chdir"
                      : denial.target == "subinterpreter" ? "subinterpreter"
                                                          : "mutate";
    words.name = denial.target;
  } else {
    words.capability = "system";
    words.operation = "call";
    words.name = denial.target;
  }
  return words;
}

std::string_view refusing_flag(std::string_view capability, Face face) {
  struct Row {
    std::string_view capability, flag, keyword;
  };
  static constexpr Row kRows[] = {
      {"network", "--no-network", "block_network"},
      {"subprocess", "--no-subprocess", "block_subprocess"},
      {"fs_write", "--fs-readonly", "fs_readonly"},
      {"fs_read", "--fs-readonly=ROOT", "fs_root"},
      {"environment", "--no-environment", "block_environment"},
      {"code", "--no-code-exec", "block_code_exec"},
      {"import", "--deny-import", "deny_imports"},
      {"native", "--block-native", "block_native"},
      {"interpreter", "--no-interpreter-mutation", "block_interpreter_mutation"},
  };
  for (const Row& row : kRows) {
    if (row.capability == capability) return face == Face::kCli ? row.flag : row.keyword;
  }
  return {};
}

namespace {

// Whether `policy` has the switch that refuses `capability`.
bool blocks(const Policy& policy, std::string_view capability) {
  if (capability == "network") return policy.block_network;
  if (capability == "subprocess") return policy.block_subprocess;
  if (capability == "fs_write") return policy.fs_readonly;
  if (capability == "fs_read") return policy.fs_root.has_value();
  if (capability == "environment") return policy.block_environment;
  if (capability == "code") return policy.block_code_exec;
  if (capability == "import") return !policy.deny_imports.empty();
  if (capability == "native") return policy.block_native;
  if (capability == "interpreter") return policy.block_interpreter_mutation;
  return false;
}

// Whose words the flag is in: the outermost level with the refusing switch (a blocker inside a
// CLI run refuses in keywords, the CLI in flags); `fallback` when no level says.
Face refusing_face(const Snapshot& snapshot, std::string_view capability, Face fallback) {
  for (const auto& level : snapshot.levels) {
    if (blocks(level.policy, capability)) return level.face;
  }
  return fallback;
}

// Directories whose frames are not the program's own: the standard library (where os.py lies;
// lib-dynload is inside it) and hermetic's package (where this extension lies). Found without
// an import or any other audited call: this runs inside the audit hook.
const std::vector<std::string>& skipped_dirs() {
  static const std::vector<std::string> dirs = [] {
    std::vector<std::string> out;
    PyObject* modules = PySys_GetObject("modules");  // borrowed
    PyObject* os = modules != nullptr ? PyDict_GetItemString(modules, "os") : nullptr;
    if (os != nullptr) {
      PyRef file(PyObject_GetAttrString(os, "__file__"));
      std::string path;
      if (file && path_of(file.get(), &path) && path.rfind('/') != std::string::npos) {
        out.push_back(path.substr(0, path.rfind('/') + 1));
      }
    }
    PyErr_Clear();
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&refusing_flag), &info) != 0 && info.dli_fname != nullptr) {
      const std::string extension = info.dli_fname;
      if (extension.rfind('/') != std::string::npos) {
        out.push_back(extension.substr(0, extension.rfind('/') + 1));
      }
    }
    return out;
  }();
  return dirs;
}

bool is_programs_own(const std::string& file) {
  if (file.empty() || file.starts_with("<frozen ")) return false;
  return std::none_of(skipped_dirs().begin(), skipped_dirs().end(),
                      [&file](const std::string& dir) { return file.starts_with(dir); });
}

struct OwnFrame {
  std::string file;
  long line = 0;
  std::string function;
};

std::string attribute_text(PyObject* object, const char* name) {
  PyRef value(PyObject_GetAttrString(object, name));
  if (!value) {
    PyErr_Clear();
    return {};
  }
  return text_of(value.get());
}

// The innermost frame of this thread whose code lies outside the skipped directories.
std::optional<OwnFrame> own_frame() {
  auto* frame = reinterpret_cast<PyObject*>(PyEval_GetFrame());  // borrowed
  PyRef current = frame != nullptr ? PyRef::borrow(frame) : PyRef();
  // Deep recursion is the program's business; a bound keeps a refusal cheap.
  for (int depth = 0; current && current.get() != Py_None && depth < 256; ++depth) {
    PyRef code(reinterpret_cast<PyObject*>(
        PyFrame_GetCode(reinterpret_cast<PyFrameObject*>(current.get()))));
    std::string file = code ? attribute_text(code.get(), "co_filename") : std::string();
    if (is_programs_own(file)) {
      return OwnFrame{std::move(file),
                      PyFrame_GetLineNumber(reinterpret_cast<PyFrameObject*>(current.get())),
                      attribute_text(code.get(), "co_name")};
    }
    current = PyRef(PyObject_GetAttrString(current.get(), "f_back"));
  }
  PyErr_Clear();
  return std::nullopt;
}

// The interpreter's own executable, as the other layers name the program.
struct Exe {
  std::array<char, 4096> path{};
  ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  [[nodiscard]] std::string_view view() const {
    return length > 0 ? std::string_view(path.data(), static_cast<std::size_t>(length))
                      : std::string_view();
  }
};

// An error being raised survives the writing of a line (deny() raises after it, but a guard
// written in Python may call with one pending): fetched here, restored on leaving.
class KeptError {
 public:
  KeptError() { PyErr_Fetch(&type_, &value_, &traceback_); }
  ~KeptError() { PyErr_Restore(type_, value_, traceback_); }
  KeptError(const KeptError&) = delete;
  KeptError& operator=(const KeptError&) = delete;
  KeptError(KeptError&&) = delete;
  KeptError& operator=(KeptError&&) = delete;

 private:
  PyObject* type_ = nullptr;
  PyObject* value_ = nullptr;
  PyObject* traceback_ = nullptr;
};

// The in-process layer's line for `words`, refused unless the caller says otherwise.
report::Event event_of(const Words& words, const Exe& exe, const report::Frame* frame) {
  return {
      .capability = words.capability,
      .operation = words.operation,
      .layer = "inprocess",
      .pid = static_cast<long>(::getpid()),
      .program = exe.view(),
      .path = words.path,
      .address = words.address,
      .port = words.port,
      .name = words.name,
      .frame = frame,
  };
}

}  // namespace

void write_observed(const std::string& report_path, const Words& words, bool with_frame) {
  const KeptError kept;
  const std::optional<OwnFrame> frame = with_frame ? own_frame() : std::nullopt;
  const report::Frame where =
      frame ? report::Frame{frame->file, frame->line, frame->function} : report::Frame{};
  const Exe exe;
  report::Event event = event_of(words, exe, frame ? &where : nullptr);
  event.decision = "observed";
  (void)report::append(report_path.c_str(), event);
}

void write(const Snapshot& snapshot, const Denial& denial) {
  std::vector<const Level*> reporting;
  for (const auto& level : snapshot.levels) {
    if (level.report_path.empty()) continue;
    const bool seen = std::any_of(reporting.begin(), reporting.end(), [&level](const Level* l) {
      return l->report_path == level.report_path;
    });
    if (!seen) reporting.push_back(&level);
  }
  if (reporting.empty()) return;
  const KeptError kept;
  const Words words = words_of(denial);
  const std::optional<OwnFrame> frame = own_frame();
  const report::Frame where =
      frame ? report::Frame{frame->file, frame->line, frame->function} : report::Frame{};
  const Exe exe;
  report::Event event = event_of(words, exe, frame ? &where : nullptr);
  for (const Level* level : reporting) {
    event.flag =
        refusing_flag(words.capability, refusing_face(snapshot, words.capability, level->face));
    (void)report::append(level->report_path.c_str(), event);
  }
}

}  // namespace hermetic::inproc::report_line
