#include "level_token.hpp"

#include "stable_abi.hpp"

namespace hermetic::inproc::level_token {
namespace {

struct TokenObject {
  PyObject_HEAD std::uint64_t id;
};

// `_hermetic.Token()`, `copy.copy(token)` and unpickling all go through tp_new: refused, so the
// only tokens are those push() made.
PyObject* refuse_new(PyTypeObject* /*type*/, PyObject* /*args*/, PyObject* /*kwargs*/) {
  PyErr_SetString(PyExc_TypeError, "hermetic level tokens are made only by entering a blocker");
  return nullptr;
}

void dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  auto free_fn = reinterpret_cast<freefunc>(PyType_GetSlot(type, Py_tp_free));
  free_fn(self);
  Py_DECREF(type);  // a heap type: each instance holds a reference to it
}

PyType_Slot slots[] = {  // NOLINT: CPython's API takes a mutable array
    {Py_tp_new, reinterpret_cast<void*>(refuse_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(dealloc)},
    {Py_tp_doc, const_cast<char*>("A blocker's capability to leave its level (opaque).")},
    {0, nullptr}};

PyType_Spec spec = {"hermetic._hermetic.Token", sizeof(TokenObject), 0, Py_TPFLAGS_DEFAULT, slots};

// Kept until process exit, like the module's other state (never exposed as a module attribute).
PyTypeObject* token_type() {
  static auto* type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
  return type;
}

}  // namespace

PyObject* make(std::uint64_t id) {
  PyTypeObject* type = token_type();
  if (type == nullptr) return nullptr;
  PyObject* object = PyType_GenericAlloc(type, 0);
  if (object == nullptr) return nullptr;
  reinterpret_cast<TokenObject*>(object)->id = id;
  return object;
}

std::optional<std::uint64_t> id_of(PyObject* object) {
  PyTypeObject* type = token_type();
  if (type == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  if (object == nullptr || Py_TYPE(object) != type) return std::nullopt;
  return reinterpret_cast<TokenObject*>(object)->id;
}

}  // namespace hermetic::inproc::level_token
