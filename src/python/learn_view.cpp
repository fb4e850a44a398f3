#include "learn_view.hpp"

#include <sys/stat.h>

#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "audit_hook.hpp"
#include "guards.hpp"
#include "py_ref.hpp"
#include "report_line.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX global

namespace hermetic::inproc::learn_view {
namespace {

// The hook runs with the GIL held, in the main interpreter (below): no other synchronisation.
std::string g_report;  // empty: not a learn run
bool g_user_code = false;
bool g_whole_environment = false;  // reported: single names add nothing
std::set<std::string> g_reported;  // what this process reported already, one line per use

void report(std::string_view capability, std::string_view operation, const std::string& name,
            const std::string& path, bool with_frame = true) {
  std::string key =
      std::string(capability) + ' ' + std::string(operation) + ' ' + name + ' ' + path;
  if (!g_reported.insert(std::move(key)).second) return;
  report_line::Words words;
  words.capability = capability;
  words.operation = operation;
  words.name = name;
  words.path = path;
  report_line::write_observed(g_report, words, with_frame);
}

// block_native's Python-side finder imports a refused extension from the pure-Python source
// shipped next to it (mypyc, Cython builds: hermetic/_patches.py), so the enforced run does not
// need that extension.
bool has_source_sibling(const std::string& module, const std::string& file) {
  const auto slash = file.rfind('/');
  if (slash == std::string::npos) return false;
  const auto dot = module.rfind('.');
  const std::string source = file.substr(0, slash + 1) +
                             (dot == std::string::npos ? module : module.substr(dot + 1)) + ".py";
  struct stat st {};
  return ::stat(source.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void observe_import(PyObject* args) {
  const std::string name = text_of(arg_at(args, 0));
  if (import_guard::is_native_interface(name)) {
    report("native", "load", name, {});
    return;
  }
  PyObject* file_object = arg_at(args, 1);  // the second event of an extension names its file
  if (file_object == nullptr || file_object == Py_None) return;
  const std::string file = text_of(file_object);
  if (import_guard::is_third_party_extension(file) && !has_source_sibling(name, file)) {
    report("native", "load", name, file);
  }
}

// python -E or -I: the interpreter read none of its PYTHON* variables.
bool ignores_environment() {
  PyObject* flags = PySys_GetObject("flags");  // borrowed
  if (flags == nullptr) return false;
  PyRef value(PyObject_GetAttrString(flags, "ignore_environment"));
  if (!value) {
    PyErr_Clear();
    return false;
  }
  return PyObject_IsTrue(value.get()) == 1;
}

int hook(const char* event, PyObject* args, void* /*data*/) {
  if (g_report.empty()) return 0;
  const Event kind = audit_hook::classify(event);
  if (kind == Event::kNone) return 0;
  // A subinterpreter may run under a GIL of its own: nothing of this state is touched there.
  if (PyInterpreterState_GetID(PyInterpreterState_Get()) != 0) return 0;
  switch (kind) {
    case Event::kImport:
      observe_import(args);
      break;
    case Event::kCtypes:
      if (std::strcmp(event, "ctypes.dlopen") == 0) {
        report("native", "load", text_of(arg_at(args, 0)), {});
      }
      break;
    case Event::kCompile:
    case Event::kExec:
    case Event::kMarshalLoads:
    case Event::kCodeNew:
    case Event::kPickleFindClass:
      if (!g_user_code) break;
      if (auto refusal = code_guard::refusal(kind, args)) {
        report("code", refusal->target == "compile" ? "compile" : "exec", refusal->target, {});
      }
      break;
    default:
      break;
  }
  if (PyErr_Occurred() != nullptr) PyErr_Clear();  // observing never fails the program's call
  return 0;
}

}  // namespace

int start(const std::string& report_path) {
  if (!g_report.empty() || report_path.empty()) return 0;
  g_report = report_path;
  report("interpreter", "watch", {}, {}, /*with_frame=*/false);
  // Read by the interpreter itself at start-up, before any hook: PYTHONPATH, PYTHONHASHSEED, ...
  for (char** entry = ignores_environment() ? nullptr : environ;
       entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!text.starts_with("PYTHON")) continue;
    report("environment", "getenv", std::string(text.substr(0, text.find('='))), {},
           /*with_frame=*/false);
  }
  if (PySys_AddAuditHook(hook, nullptr) != 0) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "cannot add the audit hook");
    return -1;
  }
  return 0;
}

void enter_user_code() { g_user_code = true; }

PyObject* observe_environment(PyObject* name) {
  if (g_report.empty() || g_whole_environment) Py_RETURN_NONE;
  if (name == Py_None) {
    g_whole_environment = true;
    report("environment", "list", {}, {});
    Py_RETURN_NONE;
  }
  std::string text;
  if (PyBytes_Check(name)) {
    text.assign(PyBytes_AsString(name), static_cast<std::size_t>(PyBytes_Size(name)));
  } else if (PyUnicode_Check(name)) {
    text = text_of(name);
  } else {
    Py_RETURN_NONE;  // not a name the environment can hold
  }
  // hermetic's own variables: an enforced run sets them itself.
  if (text.starts_with("HERMETIC_") || text == "LD_PRELOAD") Py_RETURN_NONE;
  report("environment", "getenv", text, {});
  Py_RETURN_NONE;
}

PyObject* observe_code(PyObject* name) {
  if (!g_report.empty() && g_user_code) report("code", "exec", text_of(name), {});
  Py_RETURN_NONE;
}

}  // namespace hermetic::inproc::learn_view
