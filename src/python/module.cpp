// hermetic._hermetic: the in-process layer. This first version only exposes the policy model
// (normalising a policy through the C++ core); the audit hook comes with the in-process work.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "hermetic/policy.hpp"

namespace {

PyObject* normalize_policy(PyObject* /*self*/, PyObject* arg) {
  const char* text = PyUnicode_AsUTF8(arg);
  if (text == nullptr) return nullptr;
  auto policy = hermetic::policy_from_json(text);
  if (!policy) {
    PyErr_SetString(PyExc_ValueError, policy.error().message.c_str());
    return nullptr;
  }
  return PyUnicode_FromString(hermetic::to_json(policy.value()).c_str());
}

PyMethodDef methods[] = {  // NOLINT: CPython's API takes a mutable array
    {"normalize_policy", normalize_policy, METH_O,
     "Validate a policy given as JSON and return its normal JSON form."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT,
                      "_hermetic",
                      "hermetic's native core.",
                      -1,
                      methods,
                      nullptr,
                      nullptr,
                      nullptr,
                      nullptr};

}  // namespace

// Called by libhermetic_preload.so before Py_Initialize in Python targets of the CLI (see
// src/preload/preload.cpp). Returns 0 on success.
extern "C" __attribute__((visibility("default"))) int hermetic_preinit(const char* policy_json) {
  return hermetic::policy_from_json(policy_json).ok() ? 0 : 1;
}

PyMODINIT_FUNC PyInit__hermetic() { return PyModule_Create(&module); }
