#include "audit_hook.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "policy_stack.hpp"
#include "stable_abi.hpp"
#include "violation.hpp"
#include "wake_events.hpp"

namespace hermetic::inproc::audit_hook {
namespace {

namespace wake_events = hermetic::wake_events;

struct Entry {
  const char* name;
  Event event;
};

// Every event a guard reads, one per line. Events not listed cost one bucket scan.
constexpr Entry kEvents[] = {
    {"socket.__new__", Event::kSocketNew},
    {"socket.connect", Event::kSocketConnect},
    {"socket.bind", Event::kSocketBind},
    {"socket.sendto", Event::kSocketSendto},
    {"socket.sendmsg", Event::kSocketSendmsg},
    {"socket.getaddrinfo", Event::kSocketGetaddrinfo},
    {"socket.gethostbyname", Event::kSocketGethostbyname},  // also gethostbyname_ex
    {"socket.gethostbyaddr", Event::kSocketGethostbyaddr},
    {"socket.getnameinfo", Event::kSocketGetnameinfo},
    {"subprocess.Popen", Event::kSubprocessPopen},
    {"os.system", Event::kOsSystem},
    {"os.exec", Event::kOsExec},
    {"os.spawn", Event::kOsSpawn},
    {"os.posix_spawn", Event::kOsPosixSpawn},
    {"os.fork", Event::kOsFork},
    {"os.forkpty", Event::kOsForkpty},
    {"pty.spawn", Event::kPtySpawn},
    {"os.startfile", Event::kOsStartfile},
    {"open", Event::kOpen},
    {"os.listdir", Event::kOsListdir},
    {"os.scandir", Event::kOsScandir},
    {"os.mkdir", Event::kOsMkdir},
    {"os.remove", Event::kFsMutation},  // also os.unlink
    {"os.rename", Event::kFsMutation},  // also os.replace
    {"os.rmdir", Event::kFsMutation},
    {"os.truncate", Event::kFsMutation},  // also os.ftruncate
    {"os.chmod", Event::kFsMutation},
    {"os.chown", Event::kFsMutation},
    {"os.chflags", Event::kFsMutation},
    {"os.lchflags", Event::kFsMutation},
    {"os.utime", Event::kFsMutation},
    {"os.symlink", Event::kFsMutation},
    {"os.link", Event::kFsMutation},
    {"os.mkfifo", Event::kFsMutation},
    {"os.mknod", Event::kFsMutation},
    {"os.setxattr", Event::kFsMutation},
    {"os.removexattr", Event::kFsMutation},
    {"shutil.chown", Event::kFsMutation},
    {"shutil.copyfile", Event::kFsMutation},
    {"shutil.copymode", Event::kFsMutation},
    {"shutil.copystat", Event::kFsMutation},
    {"shutil.copytree", Event::kFsMutation},
    {"shutil.make_archive", Event::kFsMutation},
    {"shutil.move", Event::kFsMutation},
    {"shutil.rmtree", Event::kFsMutation},
    {"shutil.unpack_archive", Event::kFsMutation},
    {"sqlite3.connect", Event::kSqliteConnect},  // 3.10+; 3.9 raises no event
    {"os.putenv", Event::kOsPutenv},
    {"os.unsetenv", Event::kOsUnsetenv},
    {"compile", Event::kCompile},
    {"exec", Event::kExec},
    {"marshal.loads", Event::kMarshalLoads},
    {"code.__new__", Event::kCodeNew},
    {"pickle.find_class", Event::kPickleFindClass},
    {"import", Event::kImport},
    {"ctypes.dlopen", Event::kCtypes},
    {"ctypes.dlsym", Event::kCtypes},
    {"ctypes.dlsym/handle", Event::kCtypes},
    {"ctypes.call_function", Event::kCtypes},
    {"ctypes.cdata", Event::kCtypes},
    {"os.chdir", Event::kOsChdir},
    {"cpython.PyInterpreterState_New", Event::kNewInterpreter},
};

// A deferred layer (src/preload/preload.cpp) is woken by the network and subprocess guards'
// events and a subinterpreter's creation: exactly those of this table.
constexpr bool wakes_a_deferred_layer(Event event) {
  return is_network_event(event) || is_process_event(event) || event == Event::kNewInterpreter;
}
constexpr bool in_wake_list(std::string_view name) {
  return name.starts_with(wake_events::kNetworkPrefix) ||
         std::ranges::find(wake_events::kOtherEvents, name) != std::end(wake_events::kOtherEvents);
}
static_assert(std::ranges::all_of(kEvents,
                                  [](const Entry& entry) {
                                    return wakes_a_deferred_layer(entry.event) ==
                                           in_wake_list(entry.name);
                                  }),
              "src/preload/wake_events.hpp and kEvents disagree on what wakes a deferred layer");
static_assert(std::ranges::all_of(wake_events::kOtherEvents,
                                  [](std::string_view name) {
                                    return std::ranges::any_of(
                                        kEvents, [name](const Entry& e) { return name == e.name; });
                                  }),
              "src/preload/wake_events.hpp names an event no guard checks");

// The refusal a subinterpreter gets, from a deferred layer's hook or this one: hermetic's prefix
// and the words the CLI's report uses.
constexpr std::string_view kPrefix = "hermetic: ";
static_assert(std::string_view(wake_events::kSubinterpreterRefusal).starts_with(kPrefix) &&
                  std::string_view(wake_events::kSubinterpreterRefusal).substr(kPrefix.size()) ==
                      kSubinterpretersDisabled,
              "wake_events.hpp and violation.hpp word the subinterpreter refusal differently");

// Buckets by the first two characters' sum, so a hot uninteresting event ("object.__getattr__",
// "sys._getframe") is rejected after comparing against at most a couple of names.
struct Table {
  std::array<std::vector<Entry>, 64> buckets;
  Table() {
    for (const auto& entry : kEvents) buckets[slot(entry.name)].push_back(entry);
  }
  static std::size_t slot(const char* name) noexcept {
    const auto a = static_cast<unsigned char>(name[0]);
    const auto b = a == 0 ? 0U : static_cast<unsigned char>(name[1]);
    const std::size_t len_hint = a == 0 || b == 0 ? 0 : static_cast<unsigned char>(name[2]);
    return (a * 31U + b * 7U + len_hint) % 64;
  }
};

const Table& table() {
  static const Table instance;
  return instance;
}

// CPython 3.12 and newer: a subinterpreter whose creation the hook refuses crashes 3.12's
// _xxsubinterpreters.create() (it does not check for the failure), and 3.13 raises the creation
// event with no thread state, so no hook sees it. There the new interpreter is stopped from
// inside instead (below), which fails its start-up cleanly. Read once, when the hook goes in.
bool g_refuse_at_creation = true;

bool before_3_12(const char* version) {
  int major = 0;
  int minor = 0;
  return std::sscanf(version, "%d.%d", &major, &minor) == 2 && major == 3 && minor < 12;
}

// In a subinterpreter every guarded event fails: the hook's state is the main interpreter's
// (interpreter_guard::check_new_interpreter says why). Nothing of that state is touched here but
// an atomic flag, for the CLI's report; RuntimeError is a static type, safe under any GIL.
int refuse_in_subinterpreter() {
  note_subinterpreter_refused();
  PyErr_SetString(PyExc_RuntimeError, wake_events::kSubinterpreterRefusal);
  return -1;
}

int hook(const char* event, PyObject* args, void* /*user_data*/) {
  if (!policy_stack::active()) return 0;  // nothing blocked: the common case, one load
  const Event kind = classify(event);
  if (kind == Event::kNone) return 0;
  if (PyInterpreterState_GetID(PyInterpreterState_Get()) != 0) return refuse_in_subinterpreter();
  if (kind == Event::kNewInterpreter && !g_refuse_at_creation) return 0;
  const auto snapshot = policy_stack::current();  // keeps this snapshot alive during the check
  switch (kind) {
    case Event::kSocketNew:
    case Event::kSocketConnect:
    case Event::kSocketBind:
      if (network_guard::check(kind, *snapshot, args) != 0) return -1;
      return fs_guard::check_unix_bind(*snapshot, args);
    case Event::kSocketSendto:
    case Event::kSocketSendmsg:
    case Event::kSocketGetaddrinfo:
    case Event::kSocketGethostbyname:
    case Event::kSocketGethostbyaddr:
    case Event::kSocketGetnameinfo:
      return network_guard::check(kind, *snapshot, args);
    case Event::kSubprocessPopen:
    case Event::kOsSystem:
    case Event::kOsExec:
    case Event::kOsSpawn:
    case Event::kOsPosixSpawn:
    case Event::kOsFork:
    case Event::kOsForkpty:
    case Event::kPtySpawn:
    case Event::kOsStartfile:
      return subprocess_guard::check(kind, *snapshot, event, args);
    case Event::kOpen:
      if (fs_guard::check_process_files(*snapshot, args) != 0) return -1;
      return fs_guard::check(kind, *snapshot, event, args);
    case Event::kOsListdir:
    case Event::kOsScandir:
    case Event::kOsMkdir:
    case Event::kFsMutation:
      return fs_guard::check(kind, *snapshot, event, args);
    case Event::kSqliteConnect:
      return fs_guard::check_sqlite_connect(*snapshot, args);
    case Event::kOsPutenv:
    case Event::kOsUnsetenv:
      return env_guard::check(kind, *snapshot, args);
    case Event::kCompile:
    case Event::kExec:
    case Event::kMarshalLoads:
    case Event::kCodeNew:
    case Event::kPickleFindClass:
      return code_guard::check(kind, *snapshot, args);
    case Event::kImport:
      if (interpreter_guard::check_import_lists(*snapshot, args) != 0) return -1;
      return import_guard::check(kind, *snapshot, event, args);
    case Event::kCtypes:
      return import_guard::check(kind, *snapshot, event, args);
    case Event::kOsChdir:
      return interpreter_guard::check(kind, *snapshot, args);
    case Event::kNewInterpreter:
      return interpreter_guard::check_new_interpreter(*snapshot);
    case Event::kNone:
      break;
  }
  return 0;
}

}  // namespace

Event classify(const char* name) noexcept {
  for (const auto& entry : table().buckets[Table::slot(name)]) {
    if (std::strcmp(entry.name, name) == 0) return entry.event;
  }
  return Event::kNone;
}

int install() {
  static bool installed = false;
  if (installed) return 0;
  (void)table();  // build the dispatch table before the first event can arrive
  g_refuse_at_creation = before_3_12(Py_GetVersion());
  if (PySys_AddAuditHook(hook, nullptr) != 0) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "cannot add the audit hook");
    return -1;
  }
  installed = true;
  return 0;
}

}  // namespace hermetic::inproc::audit_hook
