// Small RAII holder for CPython references, so every early return releases what it took.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <string_view>
#include <utility>

#include "stable_abi.hpp"

namespace hermetic::inproc {

// Owns one strong reference (or nothing). Must only be destroyed with the GIL held, so it is
// never used for objects that live until process exit (see module.cpp for those).
class PyRef {
 public:
  PyRef() = default;
  explicit PyRef(PyObject* owned) noexcept : ptr_(owned) {}
  static PyRef borrow(PyObject* borrowed) noexcept {
    Py_XINCREF(borrowed);
    return PyRef(borrowed);
  }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  PyRef(PyRef&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  PyRef& operator=(PyRef&& other) noexcept {
    if (this != &other) {
      Py_XDECREF(ptr_);
      ptr_ = std::exchange(other.ptr_, nullptr);
    }
    return *this;
  }
  ~PyRef() { Py_XDECREF(ptr_); }

  [[nodiscard]] PyObject* get() const noexcept { return ptr_; }
  [[nodiscard]] PyObject* release() noexcept { return std::exchange(ptr_, nullptr); }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

 private:
  PyObject* ptr_ = nullptr;
};

// The text of a str, or of a bytes object decoded as UTF-8 with replacement; for messages and
// host names. Empty for anything else. Never leaves a Python error set.
std::string text_of(PyObject* obj);

// A filesystem path argument (str, bytes or os.PathLike) in the filesystem encoding. Returns
// false for an int (a file descriptor) or anything that is not a path; never leaves an error set.
bool path_of(PyObject* obj, std::string* out);

// Item `index` of an audit-event argument tuple, or nullptr when the tuple is shorter.
inline PyObject* arg_at(PyObject* args, Py_ssize_t index) {
  if (args == nullptr || !PyTuple_Check(args) || PyTuple_Size(args) <= index) return nullptr;
  return PyTuple_GetItem(args, index);  // borrowed
}

// Length of a list or tuple (0 for anything else), and item `index` of one (borrowed, nullptr
// past the end); never leaves an error set. (The stable ABI has no PySequence_Fast_* macros.)
inline Py_ssize_t items_in(PyObject* seq) {
  if (seq == nullptr) return 0;
  if (PyList_Check(seq)) return PyList_Size(seq);
  if (PyTuple_Check(seq)) return PyTuple_Size(seq);
  return 0;
}
inline PyObject* item_at(PyObject* seq, Py_ssize_t index) {
  if (index < 0 || index >= items_in(seq)) return nullptr;
  return PyList_Check(seq) ? PyList_GetItem(seq, index) : PyTuple_GetItem(seq, index);
}

}  // namespace hermetic::inproc
