#include "stdlib_extensions.hpp"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "elf_needed.hpp"
#include "py_ref.hpp"
#include "resolved_paths.hpp"

namespace hermetic::inproc::stdlib_extensions {
namespace {

// What remember() read. Touched with the GIL held only.
struct Remembered {
  std::string dir;                             // real path of lib-dynload; empty: none
  std::optional<std::set<std::string>> names;  // sys.stdlib_module_names; nullopt on 3.9
};
std::optional<Remembered> g_remembered;

// Never counted, whatever the interpreter lists: the FFI modules block_native refuses.
constexpr std::array<std::string_view, 2> kNeverMapped = {"_ctypes", "_cffi_backend"};
// On 3.9 (no sys.stdlib_module_names) the test modules CPython installs there are left out.
constexpr std::array<std::string_view, 3> kTestPrefixes = {"_test", "_xx", "xx"};

std::string module_of(std::string_view base) { return std::string(base.substr(0, base.find('.'))); }

bool needs_libffi(const std::string& path) {
  const auto needed = elf_needed::of(path);
  if (!needed) return true;  // unreadable as ELF: not mapped ahead, not counted
  return std::any_of(needed->begin(), needed->end(),
                     [](const std::string& name) { return name.starts_with("libffi."); });
}

bool counted_name(const Remembered& r, const std::string& module) {
  if (std::find(kNeverMapped.begin(), kNeverMapped.end(), module) != kNeverMapped.end()) {
    return false;
  }
  if (r.names) return r.names->contains(module);
  return std::none_of(kTestPrefixes.begin(), kTestPrefixes.end(),
                      [&](std::string_view prefix) { return module.starts_with(prefix); });
}

// sys.<name> as text (a str attribute), or nullopt.
std::optional<std::string> sys_text(const char* name) {
  PyObject* value = PySys_GetObject(name);  // borrowed
  if (value == nullptr || !PyUnicode_Check(value)) return std::nullopt;
  return text_of(value);
}

std::optional<std::string> lib_dynload_dir() {
  const auto prefix = sys_text("base_exec_prefix");
  const auto platlibdir = sys_text("platlibdir");       // 3.9+: "lib" or "lib64"
  PyObject* version = PySys_GetObject("version_info");  // borrowed
  if (!prefix || !platlibdir || version == nullptr || !PyTuple_Check(version)) {
    return std::nullopt;
  }
  const long major = PyLong_AsLong(PyTuple_GetItem(version, 0));
  const long minor = PyLong_AsLong(PyTuple_GetItem(version, 1));
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return std::nullopt;
  }
  const std::string dir = *prefix + "/" + *platlibdir + "/python" + std::to_string(major) + "." +
                          std::to_string(minor) + "/lib-dynload";
  return resolved_path(dir);  // nullopt when it does not exist
}

std::optional<std::set<std::string>> stdlib_names() {
  PyObject* names = PySys_GetObject("stdlib_module_names");  // borrowed; 3.10+
  if (names == nullptr) return std::nullopt;
  PyRef iterator(PyObject_GetIter(names));
  if (!iterator) {
    PyErr_Clear();
    return std::set<std::string>{};  // unreadable: count nothing
  }
  std::set<std::string> out;
  while (PyRef item{PyIter_Next(iterator.get())}) {
    if (PyUnicode_Check(item.get())) out.insert(text_of(item.get()));
  }
  PyErr_Clear();
  return out;
}

// The real paths of the counted files, in directory order.
std::vector<std::string> counted_files(const Remembered& r) {
  std::vector<std::string> out;
  if (r.dir.empty()) return out;
  DIR* dir = ::opendir(r.dir.c_str());
  if (dir == nullptr) return out;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view base(entry->d_name);
    if (!base.ends_with(".so")) continue;
    const std::string path = r.dir + "/" + std::string(base);
    if (counted_name(r, module_of(base)) && resolved_path(path) == path && !needs_libffi(path)) {
      out.push_back(path);
    }
  }
  ::closedir(dir);
  return out;
}

}  // namespace

int remember() {
  if (g_remembered) return 0;
  Remembered r;
  r.dir = lib_dynload_dir().value_or("");
  r.names = stdlib_names();
  g_remembered = std::move(r);
  return 0;
}

bool contains(const std::string& file) {
  if (!g_remembered && remember() != 0) {
    PyErr_Clear();
    return false;
  }
  const Remembered& r = *g_remembered;
  const auto real = resolved_path(file);
  if (r.dir.empty() || !real || !real->starts_with(r.dir + "/")) return false;
  const std::string_view base = std::string_view(*real).substr(r.dir.size() + 1);
  if (base.find('/') != std::string_view::npos) return false;  // directly in it
  return counted_name(r, module_of(base)) && !needs_libffi(*real);
}

int map_all() {
  if (!g_remembered && remember() != 0) return -1;
  PyRef sys(PyImport_ImportModule("sys"));
  if (!sys) return -1;
  PyRef flags_obj(PyObject_CallMethod(sys.get(), "getdlopenflags", nullptr));
  if (!flags_obj) return -1;
  const long flags = PyLong_AsLong(flags_obj.get());
  if (flags == -1 && PyErr_Occurred()) return -1;
  for (const auto& path : counted_files(*g_remembered)) {
    // Kept loaded for the life of the process (never dlclose'd): that is the point.
    if (::dlopen(path.c_str(), static_cast<int>(flags)) == nullptr) (void)::dlerror();
  }
  return 0;
}

}  // namespace hermetic::inproc::stdlib_extensions
