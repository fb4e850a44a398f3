// The extension is built for CPython's stable ABI (Py_LIMITED_API, 3.9), so that one build
// loads into every CPython 3.9 or newer that a target runs, not only the one hermetic was
// installed with. The few functions it needs beyond the 3.9 limited API are declared here:
// each is exported, with this signature, by every CPython since 3.9 (PySys_AddAuditHook since
// 3.8; PyUnicode_AsUTF8AndSize since 3.3, limited API from 3.10; PyCode_Type always;
// PyFrame_GetBack since 3.9), and none of them depends on a struct's layout.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef Py_LIMITED_API
#error "build the extension with Py_LIMITED_API (Python_add_library ... USE_SABI 3.9)"
#endif

extern "C" {
// Python/sysmodule.c: `typedef int (*Py_AuditHookFunction)(const char*, PyObject*, void*)`.
using HermeticAuditHook = int (*)(const char* event, PyObject* args, void* user_data);
PyAPI_FUNC(int) PySys_AddAuditHook(HermeticAuditHook hook, void* user_data);
#if Py_LIMITED_API + 0 < 0x030A0000
PyAPI_FUNC(const char*) PyUnicode_AsUTF8AndSize(PyObject* unicode, Py_ssize_t* size);
#endif
PyAPI_DATA(PyTypeObject) PyCode_Type;  // only its address is used
// Objects/frameobject.c since 3.9: the calling frame, a strong reference or null.
PyAPI_FUNC(PyFrameObject*) PyFrame_GetBack(PyFrameObject* frame);
}
