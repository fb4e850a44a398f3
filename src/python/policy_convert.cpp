#include "policy_convert.hpp"

#include <string>
#include <string_view>

#include "py_ref.hpp"

namespace hermetic::inproc {
namespace {

// Applies `add` to every str of an iterable; false on a Python error or a non-str item.
template <class Add>
bool each_str(PyObject* iterable, Add add) {
  PyRef iterator(PyObject_GetIter(iterable));
  if (!iterator) return false;
  while (PyRef item{PyIter_Next(iterator.get())}) {
    if (!PyUnicode_Check(item.get())) {
      PyErr_SetString(PyExc_TypeError, "expected a list of str");
      return false;
    }
    add(text_of(item.get()));
  }
  return !PyErr_Occurred();
}

}  // namespace

Result<Policy> policy_from_dict(PyObject* dict) {
  if (!PyDict_Check(dict)) return Error{"policy must be a dict"};
  PolicyBuilder b;
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    const std::string name = text_of(key);
    int truth = 0;
    auto flag = [&](auto setter) {
      truth = PyObject_IsTrue(value);
      if (truth < 0) return false;
      (b.*setter)(truth != 0);
      return true;
    };
    bool ok = true;
    if (name == "block_network") {
      ok = flag(&PolicyBuilder::block_network);
    } else if (name == "allow_localhost") {
      ok = flag(&PolicyBuilder::allow_localhost);
    } else if (name == "allow_domains") {
      ok = each_str(value, [&](std::string d) { b.allow_domain(std::move(d)); });
    } else if (name == "block_subprocess") {
      ok = flag(&PolicyBuilder::block_subprocess);
    } else if (name == "fs_readonly") {
      ok = flag(&PolicyBuilder::fs_readonly);
    } else if (name == "fs_root") {
      if (value != Py_None) {
        std::string root;
        if (!path_of(value, &root)) return Error{"fs_root must be a path or None"};
        b.fs_root(std::move(root));
      }
    } else if (name == "block_environment") {
      ok = flag(&PolicyBuilder::block_environment);
    } else if (name == "keep_env") {
      ok = each_str(value, [&](std::string n) { b.keep_env(std::move(n)); });
    } else if (name == "block_code_exec") {
      ok = flag(&PolicyBuilder::block_code_exec);
    } else if (name == "deny_imports") {
      ok = each_str(value, [&](std::string m) { b.deny_import(std::move(m)); });
    } else if (name == "block_native") {
      ok = flag(&PolicyBuilder::block_native);
    } else if (name == "block_interpreter_mutation") {
      ok = flag(&PolicyBuilder::block_interpreter_mutation);
    } else if (name == "trace") {
      ok = flag(&PolicyBuilder::trace);
    } else if (name == "sealed") {
      ok = flag(&PolicyBuilder::sealed);
    } else {
      return Error{"unknown policy field '" + name + "'"};
    }
    if (!ok) return Error{"bad value for policy field '" + name + "'"};
  }
  return b.build();
}

}  // namespace hermetic::inproc
