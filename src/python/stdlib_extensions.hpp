// block_native refuses third-party native code, not the running interpreter's own standard
// library: its extension modules (_json, _socket, _ssl, ...) live in its lib-dynload directory,
// which the interpreter computed from its own prefix at start (sys.base_exec_prefix,
// sys.platlibdir, the version: getpath's "lib-dynload" landmark).
//
// Which files count: the real path (symlinks resolved) of the file actually loaded is directly
// in the real path of that directory, and its module name is one of the interpreter's own
// (sys.stdlib_module_names; on 3.9, which lacks it, any but the test modules). Never _ctypes, nor
// a file that needs libffi: ctypes and cffi stay refused. A file planted in lib-dynload under a
// new name is not one of them; one written over a standard module needs write access to the
// interpreter's own files, which could replace the interpreter itself (and --fs-readonly
// denies).
//
// The kernel part of block_native (no executable mapping once the main program starts) would
// refuse such a module imported later; map_all() maps every one of them just before, without
// running its module init: a later import then finds the file loaded and maps nothing.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>

namespace hermetic::inproc::stdlib_extensions {

// Reads the directory and the module names from `sys`, once. Call it while no code of the
// environment has run (the CLI: at `import site`, when block_native), so that nothing could
// have changed them; otherwise the first use does. Returns -1 with an error set on failure.
int remember();

// Whether the extension file `file` (as the import event names it) is one of the interpreter's
// own standard-library extension modules (above). False when remember() failed.
[[nodiscard]] bool contains(const std::string& file);

// dlopen()s each of them with the interpreter's dlopen flags (sys.getdlopenflags()); their
// module init does not run. Files that fail to load (a missing library: _tkinter without Tk)
// are skipped: their import fails as it would without hermetic. Returns -1 with an error set
// when the list cannot be read.
int map_all();

}  // namespace hermetic::inproc::stdlib_extensions
