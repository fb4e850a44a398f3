#include "py_ref.hpp"

namespace hermetic::inproc {

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
    return std::string(PyBytes_AS_STRING(bytes.get()),
                       static_cast<size_t>(PyBytes_GET_SIZE(bytes.get())));
  }
  if (PyBytes_Check(obj)) {
    return std::string(PyBytes_AS_STRING(obj), static_cast<size_t>(PyBytes_GET_SIZE(obj)));
  }
  if (PyByteArray_Check(obj)) {
    return std::string(PyByteArray_AS_STRING(obj), static_cast<size_t>(PyByteArray_GET_SIZE(obj)));
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
    *out = std::string(PyBytes_AS_STRING(fspath.get()),
                       static_cast<size_t>(PyBytes_GET_SIZE(fspath.get())));
    return true;
  }
  PyRef encoded(PyUnicode_EncodeFSDefault(fspath.get()));
  if (!encoded) {
    PyErr_Clear();
    return false;
  }
  *out = std::string(PyBytes_AS_STRING(encoded.get()),
                     static_cast<size_t>(PyBytes_GET_SIZE(encoded.get())));
  return true;
}

}  // namespace hermetic::inproc
