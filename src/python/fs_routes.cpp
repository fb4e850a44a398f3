// Files that calls other than `open` create, under fs_readonly: the socket file an AF_UNIX
// bind makes (`socket.bind` event), and the database sqlite3.connect opens for writing, or
// creates (`sqlite3.connect`, CPython 3.10+). Both are judged as a write of that path, with the
// same writable places (allow_write, the CLI's TMPDIR) as `open`.
#include <string>

#include "guards.hpp"
#include "py_ref.hpp"

namespace hermetic::inproc::fs_guard {

int check_unix_bind(const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.fs_readonly) return 0;
  // (socket, address): only an AF_UNIX address is a str, bytes or path; an abstract name
  // (leading NUL) and the empty one (autobind) create no file.
  std::string path;
  if (!path_of(arg_at(args, 1), &path) || path.empty() || path.front() == '\0') return 0;
  return check_write(snapshot, "filesystem readonly: bind(" + path + ")", path);
}

int check_sqlite_connect(const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.fs_readonly) return 0;
  std::string database;
  if (!path_of(arg_at(args, 0), &database)) return 0;
  // In memory: no file. "" is a private temporary database: SQLite unlinks its file as soon
  // as it opens it, so nothing outlives the connection.
  if (database.empty() || database == ":memory:" || database.starts_with("file::memory:")) {
    return 0;
  }
  // The event does not say whether uri=True: "file:x?mode=ro" is a read-only URI or, without
  // it, a file of that very name, created. Either way it is judged as a write of the name;
  // SQLite opens a database for writing by default and creates it when missing.
  return check_write(snapshot, "filesystem readonly: sqlite3.connect(" + database + ")", database);
}

}  // namespace hermetic::inproc::fs_guard
