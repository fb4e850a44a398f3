#include "py_ref.hpp"

namespace hermetic::inproc {
namespace {

std::string bytes_text(PyObject* bytes) {
  return std::string(PyBytes_AsString(bytes), static_cast<size_t>(PyBytes_Size(bytes)));
}

}  // namespace

std::string text_of(PyObject* obj) {
  if (obj == nullptr) return {};
  if (PyUnicode_Check(obj)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
    if (data != nullptr) return std::string(data, static_cast<size_t>(size));
    PyErr_Clear();  // lone surrogates: fall back to a lossy form
    PyRef bytes(PyUnicode_AsEncodedString(obj, "utf-8", "surrogateescape"));
    if (!bytes) {
      PyErr_Clear();
      return {};
    }
    return bytes_text(bytes.get());
  }
  if (PyBytes_Check(obj)) return bytes_text(obj);
  if (PyByteArray_Check(obj)) {
    return std::string(PyByteArray_AsString(obj), static_cast<size_t>(PyByteArray_Size(obj)));
  }
  return {};
}

bool path_of(PyObject* obj, std::string* out) {
  if (obj == nullptr || obj == Py_None || PyLong_Check(obj)) return false;
  PyRef fspath(PyOS_FSPath(obj));
  if (!fspath) {
    PyErr_Clear();
    return false;
  }
  if (PyBytes_Check(fspath.get())) {
    *out = bytes_text(fspath.get());
    return true;
  }
  PyRef encoded(PyUnicode_EncodeFSDefault(fspath.get()));
  if (!encoded) {
    PyErr_Clear();
    return false;
  }
  *out = bytes_text(encoded.get());
  return true;
}

}  // namespace hermetic::inproc
