// Dynamic code: compile, exec (which includes eval of code objects), marshal.loads, building
// code objects, and loading pickled globals.
//
// The rule that keeps the runtime working: a compile/exec/marshal.loads/code.__new__ event is
// allowed when the innermost Python frame runs code from a trusted file — the import system
// (frozen importlib, zipimport) and the stdlib modules that generate code for their users:
// collections (namedtuple), dataclasses, typing, enum, ast (ast.parse only builds a tree). The
// frame is identified by its code object's file name, not by __name__ in its globals (which any
// module can set); a code object with a forged file name needs compile or code.__new__, both
// denied to untrusted callers. With no Python frame at all the interpreter is running the main
// program (see caller_is_trusted), unless the call came through the wrapped eval/exec/compile: a
// thread or an atexit handler can call those with no frame of its own. pickle.find_class is
// denied whatever the caller.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "guards.hpp"
#include "policy_stack.hpp"
#include "py_ref.hpp"
#include "resolved_paths.hpp"
#include "violation.hpp"

namespace hermetic::inproc::code_guard {
namespace {

constexpr std::string_view kImportSystem[] = {
    "<frozen importlib._bootstrap>",
    "<frozen importlib._bootstrap_external>",
    "<frozen zipimport>",
};

std::unordered_set<std::string> import_system_files() {
  std::unordered_set<std::string> files;
  for (std::string_view name : kImportSystem) files.emplace(name);
  return files;
}

std::unordered_set<std::string>& trusted() {
  static std::unordered_set<std::string> files = import_system_files();
  return files;
}

std::string code_file(PyObject* code) {
  if (code == nullptr || !PyObject_TypeCheck(code, &PyCode_Type)) return {};
  PyRef filename(PyObject_GetAttrString(code, "co_filename"));
  if (!filename) {
    PyErr_Clear();
    return {};
  }
  return text_of(filename.get());
}

// The Python-level entry point running now in this thread (eval, exec, compile), set by the
// naming wrappers of name_entry() around the builtins: the events themselves cannot tell eval
// from exec. Per thread: the code an eval runs can let other threads run, and they must not be
// named after it, nor find an AST-only compile's permission. A nested call saves and restores
// the outer name.
thread_local const char* g_entry = nullptr;
// compile(..., flags=ast.PyCF_ONLY_AST) builds a tree and no code: allowed, as hermetic-seal
// allows it (linters and parsers call compile this way rather than ast.parse).
constexpr const char* kAstOnly = "compile to an AST";
constexpr long kPyCfOnlyAst = 0x0400;  // ast.PyCF_ONLY_AST, the same in every CPython 3

bool asks_for_ast_only(PyObject* args, PyObject* kwargs) {
  PyObject* flags = arg_at(args, 3);  // compile(source, filename, mode, flags=0, ...)
  if (flags == nullptr && kwargs != nullptr) flags = PyDict_GetItemString(kwargs, "flags");
  if (flags == nullptr || !PyLong_Check(flags)) return false;
  const long value = PyLong_AsLong(flags);
  if (value == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  return (value & kPyCfOnlyAst) != 0;
}

// name_entry's and guard_helper's wrapper state: the callable wrapped and the name it goes by.
struct Wrapped {
  PyObject* original;
  const char* name;
};

Wrapped unpack(PyObject* self) {
  // self is (original, name): a tuple the wrapper owns.
  return {PyTuple_GetItem(self, 0), PyUnicode_AsUTF8AndSize(PyTuple_GetItem(self, 1), nullptr)};
}

PyObject* call_named(PyObject* self, PyObject* args, PyObject* kwargs) {
  const Wrapped wrapped = unpack(self);
  const char* outer = g_entry;
  const bool ast_only =
      std::string_view(wrapped.name) == "compile" && asks_for_ast_only(args, kwargs);
  g_entry = ast_only ? kAstOnly : wrapped.name;
  PyObject* result = PyObject_Call(wrapped.original, args, kwargs);
  g_entry = outer;
  return result;
}

PyObject* call_guarded(PyObject* self, PyObject* args, PyObject* kwargs) {
  const Wrapped wrapped = unpack(self);
  const auto snapshot = policy_stack::current();
  if (snapshot->merged.block_code_exec) {
    return deny_now({"code_exec", std::string("dynamic code execution disabled: ") + wrapped.name,
                     wrapped.name, ErrorKind::kPolicy});
  }
  return PyObject_Call(wrapped.original, args, kwargs);
}

// NOLINTBEGIN: CPython keeps pointers to mutable method definitions
PyMethodDef g_named_def = {
    "named", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call_named)),
    METH_VARARGS | METH_KEYWORDS, "The wrapped builtin, named in hermetic's messages."};
PyMethodDef g_guarded_def = {
    "guarded", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(call_guarded)),
    METH_VARARGS | METH_KEYWORDS, "The wrapped code runner, refused while code exec is blocked."};
// NOLINTEND

PyObject* wrap(PyMethodDef* def, PyObject* original, PyObject* name) {
  if (!PyUnicode_Check(name)) {
    PyErr_SetString(PyExc_TypeError, "the name must be a str");
    return nullptr;
  }
  PyRef state(PyTuple_Pack(2, original, name));
  return state ? PyCFunction_New(def, state.get()) : nullptr;
}

// The standard library's directory: where os.py lies.
std::string stdlib_dir() {
  PyRef os(PyImport_ImportModule("os"));
  if (!os) return {};
  PyRef file(PyObject_GetAttrString(os.get(), "__file__"));
  std::string path;
  if (!file || !path_of(file.get(), &path)) {
    PyErr_Clear();  // a frozen os: no files to trust by path
    return {};
  }
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Trusts <stdlib>/<name> for each name, as a frame's code file names it and resolved.
int trust_in_stdlib(std::initializer_list<std::string_view> names) {
  const std::string dir = stdlib_dir();
  if (PyErr_Occurred()) return -1;
  if (dir.empty()) return 0;
  for (std::string_view name : names) {
    const std::string path = dir + "/" + std::string(name);
    trusted().insert(path);
    if (auto resolved = resolved_path(path)) trusted().insert(*std::move(resolved));
  }
  return 0;
}

}  // namespace

bool caller_is_trusted() {
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  // No Python frame at all: the interpreter itself is compiling and running the main program
  // (`python script.py`, `python -c ...`), which is the target, not dynamic code. Python code
  // raises these events without a frame of its own only by handing eval/exec/compile to C that
  // calls them (`_thread.start_new_thread(exec, ...)`, `atexit.register(exec, ...)`): those go
  // through the wrappers, which name the entry. (A subinterpreter's run_string compiles with no
  // frame too; the hook refuses every guarded event in a subinterpreter before this.)
  if (frame == nullptr) return g_entry == nullptr;
  PyRef code(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
  return trusted().count(code_file(code.get())) != 0;
}

namespace {

// Whether `code` is a function of the import system's frozen modules. `filename_attr` is
// "co_filename", made once by the caller: compared in place, with no copy of the name.
bool runs_import_system(PyObject* code, PyObject* filename_attr) {
  if (code == nullptr || !PyObject_TypeCheck(code, &PyCode_Type)) return false;
  const PyRef file(PyObject_GetAttr(code, filename_attr));
  if (!file) {
    PyErr_Clear();
    return false;
  }
  if (!PyUnicode_Check(file.get())) return false;
  for (std::string_view name : kImportSystem) {
    if (PyUnicode_CompareWithASCIIString(file.get(), name.data()) == 0) return true;
  }
  return false;
}

std::string code_name(PyObject* code) {
  PyRef name(PyObject_GetAttrString(code, "co_name"));
  if (!name) {
    PyErr_Clear();
    return {};
  }
  return text_of(name.get());
}

// Where the interpreter's import machinery is entered: the import statement and __import__
// (_find_and_load), importlib.import_module (_gcd_import), `from pkg import sub`
// (_handle_fromlist). Below these, the finders on sys.meta_path chose the file; a loader's
// method called directly (`SourceFileLoader(name, path).get_data(path)`, `exec_module`,
// `_bootstrap._load(spec)`) reads whatever file it is handed.
constexpr std::string_view kImportEntries[] = {"_find_and_load", "_gcd_import", "_handle_fromlist"};

}  // namespace

bool caller_is_import_system(bool reads_content) {
  PyFrameObject* frame = PyEval_GetFrame();  // borrowed
  if (frame == nullptr) return true;         // the interpreter's own top level
  // Called for every open of a module under a read root (~60 in a bare start-up): frames and
  // code objects through the C API, the file names compared in place. (Attribute lookups by C
  // string and copied names cost ~1.7M instructions per start-up, a third of the layer's.)
  const PyRef filename_attr(PyUnicode_InternFromString("co_filename"));
  if (!filename_attr) {
    PyErr_Clear();
    return false;
  }
  PyRef code(reinterpret_cast<PyObject*>(PyFrame_GetCode(frame)));
  if (!runs_import_system(code.get(), filename_attr.get())) return false;
  if (!reads_content) return true;
  // The outermost of the import system's frames around this call must be an entry above.
  PyRef outermost = std::move(code);
  auto back = [](PyObject* of) {
    return PyRef(
        reinterpret_cast<PyObject*>(PyFrame_GetBack(reinterpret_cast<PyFrameObject*>(of))));
  };
  PyRef current = back(reinterpret_cast<PyObject*>(frame));
  while (current) {
    PyRef outer_code(reinterpret_cast<PyObject*>(
        PyFrame_GetCode(reinterpret_cast<PyFrameObject*>(current.get()))));
    if (!runs_import_system(outer_code.get(), filename_attr.get())) break;
    outermost = std::move(outer_code);
    current = back(current.get());
  }
  if (!current && PyErr_Occurred() != nullptr) PyErr_Clear();  // a frame could not be made
  const std::string outermost_name = code_name(outermost.get());
  for (std::string_view entry : kImportEntries) {
    if (outermost_name == entry) return true;
  }
  return false;
}

int trust_stdlib_generators() {
  static bool done = false;  // the GIL orders callers
  if (done) return 0;
  // types.py: types.coroutine rebuilds a generator's code object with new flags (code.__new__),
  // which `import asyncio` does; it takes no source.
  if (trust_in_stdlib({"collections/__init__.py", "dataclasses.py", "typing.py", "enum.py",
                       "ast.py", "types.py"}) != 0) {
    return -1;
  }
  done = true;
  return 0;
}

int trust_runpy() {
  trusted().emplace("<frozen runpy>");
  return trust_in_stdlib({"runpy.py"});
}

PyObject* name_entry(PyObject* original, PyObject* name) {
  return wrap(&g_named_def, original, name);
}

PyObject* guard_helper(PyObject* original, PyObject* name) {
  return wrap(&g_guarded_def, original, name);
}

std::optional<Denial> refusal(Event event, PyObject* args) {
  const auto code = [](const std::string& what, const char* target) {
    return Denial{"code_exec", "dynamic code execution disabled: " + what, target,
                  ErrorKind::kPolicy};
  };
  if (event == Event::kPickleFindClass) {
    const std::string name = text_of(arg_at(args, 0)) + "." + text_of(arg_at(args, 1));
    return code("pickle.find_class(" + name + ")", "pickle");
  }
  if (caller_is_trusted()) return std::nullopt;
  switch (event) {
    case Event::kCompile: {
      if (g_entry == kAstOnly) return std::nullopt;
      // Through eval/exec/compile: named as hermetic-seal names them.
      if (g_entry != nullptr) return code(g_entry, g_entry);
      std::string filename;
      if (!path_of(arg_at(args, 1), &filename)) filename = "?";
      return code("compile(" + filename + ")", "compile");
    }
    case Event::kExec:
      if (g_entry != nullptr) return code(g_entry, g_entry);
      return code("exec(" + code_file(arg_at(args, 0)) + ")", "exec");
    case Event::kMarshalLoads:
      return code("marshal.loads", "marshal");
    case Event::kCodeNew:
      return code("code.__new__", "code");
    default:
      return std::nullopt;
  }
}

int check(Event event, const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.block_code_exec) return 0;
  if (auto denial = refusal(event, args)) return deny(snapshot, *denial);
  return 0;
}

}  // namespace hermetic::inproc::code_guard
