// Imports and native code.
// - deny_imports: a module and its submodules. The `import` event fires on a module's first
//   load; for modules already in sys.modules, hermetic/_patches.py installs wrap_import() as
//   builtins.__import__ while such a level is active.
// - block_native: extension modules not loaded yet (the second `import` event of an extension
//   carries its file name) but the interpreter's own standard library (stdlib_extensions.hpp),
//   ctypes/_ctypes/cffi/_cffi_backend by name, and the ctypes events (dlopen, dlsym, foreign
//   calls, raw memory) for a ctypes that was loaded before.
// - block_subprocess: a fresh load of _posixsubprocess would bring back an unwrapped fork_exec.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "guards.hpp"
#include "py_ref.hpp"
#include "seal.hpp"
#include "stdlib_extensions.hpp"
#include "violation.hpp"

namespace hermetic::inproc::import_guard {
namespace {

constexpr std::array<std::string_view, 4> kNativeInterfaces = {"ctypes", "_ctypes", "cffi",
                                                               "_cffi_backend"};

bool under(std::string_view name, std::string_view package) {
  return name == package ||
         (name.size() > package.size() && name.starts_with(package) && name[package.size()] == '.');
}

bool is_extension_file(std::string_view file) {
  return file.ends_with(".so") || file.ends_with(".pyd");
}

}  // namespace

bool is_native_interface(const std::string& name) {
  return std::any_of(kNativeInterfaces.begin(), kNativeInterfaces.end(),
                     [&](std::string_view n) { return under(name, n); });
}

bool is_third_party_extension(const std::string& file) {
  // The interpreter's own standard library (_json, _socket, _ssl): not third-party code.
  return is_extension_file(file) && !stdlib_extensions::contains(file);
}

namespace {

std::optional<Denial> denial_for(const Snapshot& snapshot, const std::string& name) {
  for (const auto& level : snapshot.levels) {
    for (const auto& denied : level.policy.deny_imports) {
      if (under(name, denied))
        return Denial{"imports", "import blocked: " + name, name, ErrorKind::kImport};
    }
  }
  if (snapshot.merged.block_native && is_native_interface(name)) {
    Denial denial{"imports", "import blocked: " + name, name, ErrorKind::kImport};
    denial.report_capability = "native";  // ctypes, cffi: a way to load native code
    return denial;
  }
  return std::nullopt;
}

PyObject* guarded_import(PyObject* original, PyObject* args, PyObject* kwargs) {
  const auto snapshot = policy_stack::current();
  PyObject* name_obj = arg_at(args, 0);
  if (name_obj == nullptr && kwargs != nullptr) name_obj = PyDict_GetItemString(kwargs, "name");
  PyObject* level_obj = arg_at(args, 4);
  if (level_obj == nullptr && kwargs != nullptr) level_obj = PyDict_GetItemString(kwargs, "level");
  long level = 0;
  if (level_obj != nullptr && PyLong_Check(level_obj)) {
    level = PyLong_AsLong(level_obj);
    if (level == -1 && PyErr_Occurred()) PyErr_Clear();
  }
  if (level == 0 && name_obj != nullptr && PyUnicode_Check(name_obj)) {
    const std::string name = text_of(name_obj);
    if (auto denial = denial_for(*snapshot, name)) return deny_now(*denial);
    PyObject* fromlist = arg_at(args, 3);
    if (fromlist == nullptr && kwargs != nullptr)
      fromlist = PyDict_GetItemString(kwargs, "fromlist");
    if (fromlist != nullptr && (PyList_Check(fromlist) || PyTuple_Check(fromlist))) {
      for (Py_ssize_t i = 0; i < items_in(fromlist); ++i) {
        PyObject* item = item_at(fromlist, i);
        if (!PyUnicode_Check(item)) continue;
        if (auto denial = denial_for(*snapshot, name + "." + text_of(item))) {
          return deny_now(*denial);
        }
      }
    }
  }
  return PyObject_Call(original, args, kwargs);
}

PyMethodDef import_def = {  // NOLINT: CPython keeps a pointer to a mutable definition
    "__import__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(guarded_import)),
    METH_VARARGS | METH_KEYWORDS,
    "builtins.__import__, refusing modules hermetic denies even when already imported."};

}  // namespace

int check(Event event, const Snapshot& snapshot, const char* event_name, PyObject* args) {
  if (event == Event::kCtypes) {
    if (!snapshot.merged.block_native) return 0;
    std::string detail;
    if (std::string_view(event_name) == "ctypes.dlopen") detail = text_of(arg_at(args, 0));
    return deny(
        snapshot,
        {"imports", std::string("native interface blocked: ") + event_name + "(" + detail + ")",
         event_name});
  }
  const std::string name = text_of(arg_at(args, 0));
  if (auto denial = denial_for(snapshot, name)) return deny(snapshot, *denial);
  if (snapshot.merged.block_native) {
    if (is_third_party_extension(text_of(arg_at(args, 1)))) {
      return deny(snapshot,
                  {"imports", "native import blocked: " + name, name, ErrorKind::kImport});
    }
  }
  if (snapshot.merged.block_subprocess && name == "_posixsubprocess" &&
      !seal::kernel_blocks_subprocess()) {
    return deny(snapshot, {"subprocess", "subprocess disabled: import _posixsubprocess", name,
                           ErrorKind::kImport});
  }
  return 0;
}

PyObject* wrap_import(PyObject* original) { return PyCFunction_New(&import_def, original); }

PyObject* check_name(PyObject* name) {
  if (!PyUnicode_Check(name)) {
    PyErr_SetString(PyExc_TypeError, "check_import() takes a module name");
    return nullptr;
  }
  const auto snapshot = policy_stack::current();
  if (auto denial = denial_for(*snapshot, text_of(name))) return deny_now(*denial);
  Py_RETURN_NONE;
}

}  // namespace hermetic::inproc::import_guard
