"""Python-side guards for what raises no audit event.

The native hook (hermetic._hermetic) sees every audited call. A few capabilities have no audit
event at all; for those this module swaps objects while a level that needs them is active and
puts back the very same objects when none does:

- environment, under a level of the API: ``os.environ``, ``os.environb``, ``os.getenv``,
  ``os.getenvb`` (reads raise no event; writes go through ``os.putenv``/``os.unsetenv``, which
  the hook denies). The names of ``keep_env`` stay readable.
- interpreter mutation: ``sys.path``, ``sys.meta_path``, ``sys.path_hooks`` become lists that
  refuse mutation, ``site.addsitedir`` refuses (``os.chdir`` is an event).
- dynamic code: ``eval``, ``exec`` and ``compile`` are wrapped so that a refusal names them,
  and ``runpy.run_path``/``run_module`` are refused.
- imports: ``builtins.__import__`` and ``importlib.import_module`` refuse denied modules that
  are already loaded (the ``import`` event only fires on a first load), and a finder first on
  ``sys.meta_path`` refuses them to every route that asks the finders (``import_module``,
  ``runpy``, ``importlib.util.find_spec``).
- native code: a refused third-party extension that ships its Python source next to it (mypyc,
  Cython builds) is imported from that source, by a finder ahead of the path finder.
- subprocess: ``_posixsubprocess.fork_exec`` raises no event. Before the first level that
  blocks subprocesses, ``subprocess`` is imported (so ``import subprocess`` keeps working while
  the hook denies fresh loads of ``_posixsubprocess``) and ``fork_exec`` on the loaded module
  is replaced, once and for good, by a native pass-through wrapper that refuses while
  subprocesses are blocked. References to the original taken before that escape.

Every denial goes through ``_hermetic.deny`` so it is traced and raised like the hook's own.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import os
import sys
from _collections_abc import MutableMapping
from importlib.machinery import ExtensionFileLoader, PathFinder

from hermetic import _hermetic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, NoReturn

    from hermetic._hermetic import Token

_originals: dict[str, Any] = {}
_fork_exec_wrapped = False


def _deny(guard: str, message: str, target: str | None = None) -> NoReturn:
    _hermetic.deny(guard, message, target)
    raise AssertionError("unreachable: _hermetic.deny raises")  # pragma: no cover


# --- subprocess -----------------------------------------------------------------------------


def prepare(policy: dict[str, Any]) -> None:
    """Work that must happen before a level is pushed."""
    global _fork_exec_wrapped
    if policy.get("block_subprocess") and not _fork_exec_wrapped:
        import subprocess  # noqa: F401  # loads _posixsubprocess while that is still allowed

        module = sys.modules.get("_posixsubprocess")
        if module is not None and hasattr(module, "fork_exec"):
            module.fork_exec = _hermetic.wrap_fork_exec(module.fork_exec)  # type: ignore[attr-defined]
        _fork_exec_wrapped = True


# --- environment ----------------------------------------------------------------------------


def _key_name(key: Any) -> str | None:
    """The variable a violation names in ``.target``: its name as text, None for the whole."""
    if key is None:
        return None
    return key.decode(errors="replace") if isinstance(key, bytes) else str(key)


class _GuardedEnviron(MutableMapping):  # type: ignore[type-arg]
    """Stand-in for os.environ / os.environb that refuses every read and write, but reads of a
    name every blocking level keeps (``keep_env``)."""

    __slots__ = ("_label", "_original")

    def __init__(self, label: str, original: Any) -> None:
        self._label = label
        self._original = original

    def _read(self, what: str, key: Any = None) -> NoReturn:
        _deny("environment", f"environment disabled: {self._label}{what}", _key_name(key))

    def _write(self, what: str, key: Any = None) -> NoReturn:
        _deny("environment", f"environment mutation disabled: {self._label}{what}",
              _key_name(key))

    def __getitem__(self, key: Any) -> Any:
        if _hermetic.environment_readable(key):
            return self._original[key]
        self._read(f"[{key!r}]", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._write(f"[{key!r}]", key)

    def __delitem__(self, key: Any) -> None:
        self._write(f"[{key!r}]", key)

    def __iter__(self) -> Iterator[Any]:
        self._read(".__iter__()")

    def __len__(self) -> int:
        self._read(".__len__()")

    def __contains__(self, key: object) -> bool:
        if _hermetic.environment_readable(key):
            return key in self._original
        self._read(f"[{key!r}]", key)

    def get(self, key: Any, default: Any = None) -> Any:
        if _hermetic.environment_readable(key):
            return self._original.get(key, default)
        self._read(f"[{key!r}]", key)

    def copy(self) -> dict[Any, Any]:
        self._read(".copy()")

    def keys(self) -> Any:
        self._read(".keys()")

    def items(self) -> Any:
        self._read(".items()")

    def values(self) -> Any:
        self._read(".values()")

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._write(f"[{key!r}]", key)

    def pop(self, key: Any, *default: Any) -> Any:
        self._write(f"[{key!r}]", key)

    def popitem(self) -> Any:
        self._write(".popitem()")

    def clear(self) -> None:
        self._write(".clear()")

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._write(".update()")

    def __repr__(self) -> str:
        self._read(".__repr__()")


def _guarded_getenv(key: Any, default: Any = None) -> Any:
    if _hermetic.environment_readable(key):
        return _originals["os.getenv"](key, default)
    _deny("environment", f"environment disabled: os.getenv({key!r})", _key_name(key))


def _guarded_getenvb(key: Any, default: Any = None) -> Any:
    if _hermetic.environment_readable(key):
        return _originals["os.getenvb"](key, default)
    _deny("environment", f"environment disabled: os.getenvb({key!r})", _key_name(key))


def _env_on() -> None:
    _originals["os.environ"] = os.environ
    _originals["os.getenv"] = os.getenv
    os.environ = _GuardedEnviron("os.environ", os.environ)  # type: ignore[assignment]  # noqa: B003
    os.getenv = _guarded_getenv  # type: ignore[assignment]
    if hasattr(os, "environb"):
        _originals["os.environb"] = os.environb
        _originals["os.getenvb"] = os.getenvb
        os.environb = _GuardedEnviron("os.environb", os.environb)  # type: ignore[assignment]
        os.getenvb = _guarded_getenvb  # type: ignore[assignment]


def _env_off() -> None:
    os.environ = _originals.pop("os.environ")  # noqa: B003
    os.getenv = _originals.pop("os.getenv")
    if "os.environb" in _originals:
        os.environb = _originals.pop("os.environb")
        os.getenvb = _originals.pop("os.getenvb")


# --- interpreter mutation -------------------------------------------------------------------


class _GuardedList(list):  # type: ignore[type-arg]
    """A copy of an interpreter list (sys.path, ...) that refuses mutation."""

    __slots__ = ("_label",)

    def __init__(self, values: list[Any], label: str) -> None:
        super().__init__(values)
        self._label = label

    def _deny(self, *args: Any, **kwargs: Any) -> NoReturn:
        _deny("interpreter", f"interpreter mutation disabled: {self._label}", self._label)

    append = extend = insert = pop = remove = clear = sort = reverse = _deny
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _deny


def _guarded_addsitedir(*args: Any, **kwargs: Any) -> None:
    _deny("interpreter", "interpreter mutation disabled: addsitedir", "addsitedir")


_SYS_LISTS = ("path", "meta_path", "path_hooks")


def _interp_on() -> None:
    for name in _SYS_LISTS:
        original = getattr(sys, name)
        _originals[f"sys.{name}"] = original
        setattr(sys, name, _GuardedList(original, f"sys.{name}"))
    site = sys.modules.get("site")
    if site is not None and hasattr(site, "addsitedir"):
        _originals["site.addsitedir"] = site.addsitedir
        site.addsitedir = _guarded_addsitedir  # type: ignore[attr-defined]


def _interp_off() -> None:
    for name in _SYS_LISTS:
        setattr(sys, name, _originals.pop(f"sys.{name}"))
    if "site.addsitedir" in _originals:
        site = sys.modules.get("site")
        original = _originals.pop("site.addsitedir")
        if site is not None:
            site.addsitedir = original  # type: ignore[attr-defined]


# --- imports --------------------------------------------------------------------------------


class _DeniedImports:
    """First on sys.meta_path while imports are denied: the import statement raises the
    ``import`` audit event, but importlib.import_module, runpy.run_module and find_spec go to the
    finders directly."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        _hermetic.check_import(name)  # raises the violation for a denied name
        return None


class _SourceInsteadOfNative:
    """Ahead of the path finder while native code is blocked: a module whose extension file is
    refused (third-party code) but that ships its pure-Python source next to it, as mypyc and
    Cython builds do (charset_normalizer's ``md``), is imported from that source. The path
    finder would pick the extension first and never fall back after the refusal."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> Any:
        spec = PathFinder.find_spec(name, path)
        if (
            spec is None
            or not isinstance(spec.loader, ExtensionFileLoader)
            or spec.submodule_search_locations is not None
            or not spec.origin
            or _hermetic.extension_allowed(spec.origin)
        ):
            return None
        source = os.path.join(os.path.dirname(spec.origin), name.rpartition(".")[2] + ".py")
        if not os.path.isfile(source):
            return None
        return importlib.util.spec_from_file_location(name, source)


def _guarded_import_module(name: str, package: str | None = None) -> Any:
    absolute = importlib.util.resolve_name(name, package) if name.startswith(".") else name
    _hermetic.check_import(absolute)  # already loaded modules skip the finders
    return _originals["importlib.import_module"](name, package)


def _meta_paths() -> list[list[Any]]:
    # The live list, and the one --no-interpreter-mutation keeps aside while it guards a copy.
    lists = [sys.meta_path]
    kept = _originals.get("sys.meta_path")
    if kept is not None and kept is not sys.meta_path:
        lists.append(kept)
    return lists


def _import_on() -> None:
    _originals["builtins.__import__"] = builtins.__import__
    builtins.__import__ = _hermetic.wrap_import(builtins.__import__)
    _originals["importlib.import_module"] = importlib.import_module
    importlib.import_module = _guarded_import_module
    for meta_path in _meta_paths():
        list.insert(meta_path, 0, _DeniedImports)  # past a guarded copy's refusal


def _native_on() -> None:
    for meta_path in _meta_paths():
        at = list.index(meta_path, _DeniedImports) + 1 if _DeniedImports in meta_path else 0
        list.insert(meta_path, at, _SourceInsteadOfNative)


def _native_off() -> None:
    for meta_path in _meta_paths():
        if _SourceInsteadOfNative in meta_path:
            list.remove(meta_path, _SourceInsteadOfNative)


def _import_off() -> None:
    builtins.__import__ = _originals.pop("builtins.__import__")
    importlib.import_module = _originals.pop("importlib.import_module")
    for meta_path in _meta_paths():
        if _DeniedImports in meta_path:
            list.remove(meta_path, _DeniedImports)


# --- dynamic code ---------------------------------------------------------------------------

_CODE_ENTRIES = ("eval", "exec", "compile")
_CODE_HELPERS = ("run_path", "run_module")


def _code_on() -> None:
    # The audit hook refuses the compile/exec events; these wrappers only name the entry point
    # (`eval`, not `compile(<string>)`), and refuse runpy's helpers, whose own frames the hook
    # trusts because they run `python -m`'s main module.
    import runpy

    for name in _CODE_ENTRIES:
        _originals[f"builtins.{name}"] = getattr(builtins, name)
        setattr(builtins, name, _hermetic.name_code_entry(getattr(builtins, name), name))
    for name in _CODE_HELPERS:
        _originals[f"runpy.{name}"] = getattr(runpy, name)
        setattr(runpy, name, _hermetic.guard_code_helper(getattr(runpy, name), name))


def _code_off() -> None:
    import runpy

    for name in _CODE_ENTRIES:
        setattr(builtins, name, _originals.pop(f"builtins.{name}"))
    for name in _CODE_HELPERS:
        setattr(runpy, name, _originals.pop(f"runpy.{name}"))


# --- switching ------------------------------------------------------------------------------

_active: set[str] = set()


def _switch(name: str, wanted: bool, on: Any, off: Any) -> None:
    if wanted and name not in _active:
        on()
        _active.add(name)
    elif not wanted and name in _active:
        off()
        _active.discard(name)


def sync(effective: dict[str, Any], token: Token) -> None:
    """Make the Python-side guards match the native module's effective policy.

    ``token``: the level just pushed or popped (the native module takes nothing else).
    """
    # The CLI's own level never swaps os.environ: it scrubbed the environment at exec.
    _switch("environment", effective["refuses_environment"], _env_on, _env_off)
    _switch("code", effective["block_code_exec"], _code_on, _code_off)
    _switch("interpreter", effective["block_interpreter_mutation"], _interp_on, _interp_off)
    _switch(
        "imports", effective["deny_imports"] or effective["block_native"], _import_on, _import_off
    )
    _switch("native", effective["block_native"], _native_on, _native_off)
    # Last, after this module's own changes to sys.meta_path: the lists as the guard leaves them.
    # An import after they change (list.insert(sys.path, ...) on the base class, or sys.path
    # rebound) is then refused by the hook.
    if "interpreter" in _active:
        _hermetic.watch_interpreter_lists((sys.path, sys.meta_path, sys.path_hooks), token)
    else:
        _hermetic.watch_interpreter_lists(None, token)
