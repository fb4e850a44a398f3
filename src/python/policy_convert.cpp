// Python values ↔ the core's Policy, driven by the field table (hermetic/policy_fields.hpp): the
// Python package asks this module for the fields and their union instead of restating them.
#include "policy_convert.hpp"

#include <string>
#include <string_view>

#include "hermetic/policy_fields.hpp"
#include "hermetic/policy_file.hpp"
#include "py_ref.hpp"

namespace hermetic::inproc {
namespace {

// A new reference to `obj` (Py_NewRef is not in the 3.9 stable ABI).
PyObject* new_ref(PyObject* obj) {
  Py_INCREF(obj);
  return obj;
}

PyObject* str_of(std::string_view text) {
  return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

// Applies `add` to every str of an iterable; false on a Python error or a non-str item.
template <class Add>
bool each_str(PyObject* iterable, Add add) {
  if (PyUnicode_Check(iterable) || PyBytes_Check(iterable)) {
    // A str is an iterable of names too; "HOME" must not become ["H", "O", "M", "E"].
    PyErr_SetString(PyExc_TypeError, "expected a list of str, got a single str");
    return false;
  }
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

constexpr std::string_view type_name(FieldType type) {
  switch (type) {
    case FieldType::flag:
      return "flag";
    case FieldType::names:
      return "names";
    case FieldType::paths:
      return "paths";
    case FieldType::path:
      return "path";
    case FieldType::pins:
      return "pins";
  }
  return "";
}

constexpr std::string_view role_name(FieldRole role) {
  switch (role) {
    case FieldRole::block:
      return "block";
    case FieldRole::exception:
      return "exception";
    case FieldRole::setting:
      return "setting";
  }
  return "";
}

constexpr std::string_view layer_name(FieldLayer layer) {
  switch (layer) {
    case FieldLayer::kernel:
      return "kernel";
    case FieldLayer::in_process:
      return "in_process";
    case FieldLayer::both:
      return "both";
  }
  return "";
}

// The union of two lists in first-seen order (as list(dict.fromkeys(a + b))).
PyObject* joined_lists(PyObject* a, PyObject* b) {
  PyRef out(PyList_New(0));
  PyRef seen(PyDict_New());
  if (!out || !seen) return nullptr;
  for (PyObject* side : {a, b}) {
    if (side == nullptr || side == Py_None) continue;
    PyRef iterator(PyObject_GetIter(side));
    if (!iterator) return nullptr;
    while (PyRef item{PyIter_Next(iterator.get())}) {
      const int known = PyDict_Contains(seen.get(), item.get());
      if (known < 0) return nullptr;
      if (known == 1) continue;
      if (PyDict_SetItem(seen.get(), item.get(), Py_None) != 0 ||
          PyList_Append(out.get(), item.get()) != 0) {
        return nullptr;
      }
    }
    if (PyErr_Occurred()) return nullptr;
  }
  return out.release();
}

// A read root as Python gives it: None or "" is no root.
bool root_of(PyObject* value, std::optional<std::string>* out) {
  if (value == nullptr || value == Py_None) return true;
  std::string text;
  if (!path_of(value, &text)) {
    PyErr_SetString(PyExc_TypeError, "fs_root must be a path or None");
    return false;
  }
  if (!text.empty()) *out = std::move(text);
  return true;
}

}  // namespace

Status fill_builder(PyObject* dict, PolicyBuilder& b) {
  if (!PyDict_Check(dict)) return Error{"policy must be a dict"};
  PyObject* key = nullptr;
  PyObject* value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    const std::string name = text_of(key);
    const PolicyField* field = find_policy_field(name);
    if (field == nullptr) return Error{"unknown policy field '" + name + "'"};
    bool ok = true;
    switch (field->type) {
      case FieldType::flag: {
        const int truth = PyObject_IsTrue(value);
        ok = truth >= 0;
        if (ok) b.set_flag(field->key, truth != 0);
        break;
      }
      case FieldType::path:
        if (value != Py_None) {
          std::string root;
          if (!path_of(value, &root)) return Error{"fs_root must be a path or None"};
          b.add_value(field->key, std::move(root));
        }
        break;
      case FieldType::names:
      case FieldType::paths:
      case FieldType::pins:
        ok = value == Py_None ||
             each_str(value, [&](std::string item) { b.add_value(field->key, std::move(item)); });
        break;
    }
    if (!ok) return Error{"bad value for policy field '" + name + "'"};
  }
  return Ok{};
}

Result<Policy> policy_from_dict(PyObject* dict) {
  PolicyBuilder b;
  if (auto filled = fill_builder(dict, b); !filled) return filled.error();
  return b.build();
}

PyObject* load_policy_tuple(PyObject* args) {
  const char* name = nullptr;
  PyObject* file = nullptr;
  PyObject* start = nullptr;
  PyObject* extra = nullptr;
  if (PyArg_ParseTuple(args, "sOOO:load_policy", &name, &file, &start, &extra) == 0) {
    return nullptr;
  }
  std::string start_dir;
  if (!path_of(start, &start_dir)) {
    PyErr_SetString(PyExc_TypeError, "load_policy: start must be a path");
    return nullptr;
  }
  std::string file_path;
  if (file != Py_None && !path_of(file, &file_path)) {
    PyErr_SetString(PyExc_TypeError, "load_policy: file must be a path or None");
    return nullptr;
  }
  if (file_path.empty()) {
    auto found = find_policy_file(start_dir);
    if (!found) {
      PyErr_SetString(PyExc_ValueError, found.error().message.c_str());
      return nullptr;
    }
    if (!found.value()) {
      const std::string message =
          one_line("policy=: no hermetic.toml, nor pyproject.toml with [tool.hermetic], in " +
                   start_dir + " or above");
      PyErr_SetString(PyExc_ValueError, message.c_str());
      return nullptr;
    }
    file_path = *found.value();
  }
  auto loaded = load_policy_file(file_path, name);
  PolicyBuilder keywords;
  Status checked = loaded ? fill_builder(extra, keywords) : Status(loaded.error());
  if (PyErr_Occurred()) return nullptr;
  if (checked) checked = check_only_tightens(loaded.value(), keywords.current());
  if (!checked) {
    PyErr_SetString(PyExc_ValueError, checked.error().message.c_str());
    return nullptr;
  }
  const std::string text = to_json(loaded.value().policy);
  return Py_BuildValue("(s#ss)", text.data(), static_cast<Py_ssize_t>(text.size()),
                       loaded.value().file.c_str(), loaded.value().name.c_str());
}

PyObject* policy_fields_tuple() {
  const auto fields = policy_fields();
  PyRef out(PyTuple_New(static_cast<Py_ssize_t>(fields.size())));
  if (!out) return nullptr;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    PyRef options(PyTuple_New(static_cast<Py_ssize_t>(f.options.size())));
    if (!options) return nullptr;
    for (std::size_t j = 0; j < f.options.size(); ++j) {
      PyObject* option = str_of(f.options[j]);
      if (option == nullptr) return nullptr;
      PyTuple_SetItem(options.get(), static_cast<Py_ssize_t>(j), option);  // steals
    }
    PyObject* row =
        Py_BuildValue("(NNNNONNNN)", str_of(f.key), str_of(type_name(f.type)),
                      str_of(role_name(f.role)), str_of(layer_name(f.layer)), options.get(),
                      str_of(f.metavar), str_of(f.help), str_of(f.exception_to), str_of(f.implies));
    if (row == nullptr) return nullptr;
    PyTuple_SetItem(out.get(), static_cast<Py_ssize_t>(i), row);  // steals
  }
  return out.release();
}

PyObject* unite_dicts(PyObject* a, PyObject* b) {
  if (!PyDict_Check(a) || !PyDict_Check(b)) {
    PyErr_SetString(PyExc_TypeError, "unite(a, b) takes two dicts of policy fields");
    return nullptr;
  }
  PyRef out(PyDict_New());
  if (!out) return nullptr;
  for (const auto& field : policy_fields()) {
    PyRef key(str_of(field.key));
    if (!key) return nullptr;
    PyObject* left = PyDict_GetItem(a, key.get());  // borrowed; null when absent
    PyObject* right = PyDict_GetItem(b, key.get());
    PyRef value;
    switch (field.type) {
      case FieldType::flag: {
        // `left or right`, as hermetic-seal's merged_with: the values themselves, not bools.
        const int truth = left == nullptr ? 0 : PyObject_IsTrue(left);
        if (truth < 0) return nullptr;
        PyObject* pick = truth != 0 ? left : (right != nullptr ? right : Py_False);
        value = PyRef(new_ref(pick));
        break;
      }
      case FieldType::path: {
        std::optional<std::string> first;
        std::optional<std::string> second;
        if (!root_of(left, &first) || !root_of(right, &second)) return nullptr;
        auto root = unite_roots(first, second);
        if (!root) {
          PyErr_SetString(PyExc_ValueError, root.error().message.c_str());
          return nullptr;
        }
        PyObject* pick = !root.value() ? Py_None : (first ? left : right);
        value = PyRef(new_ref(pick));
        break;
      }
      case FieldType::names:
      case FieldType::paths:
      case FieldType::pins:
        value = PyRef(joined_lists(left, right));
        break;
    }
    if (!value || PyDict_SetItem(out.get(), key.get(), value.get()) != 0) return nullptr;
  }
  return out.release();
}

}  // namespace hermetic::inproc
