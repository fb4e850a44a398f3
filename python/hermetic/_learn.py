"""Learn mode's Python view of what raises no audit event (``hermetic learn``, docs/learn.md).

The rest of the view is native (src/python/learn_view.cpp): native code and dynamic code are
audit events. Reads of the environment are not, so here ``os.environ`` and ``os.environb`` get a
subclass of their own class that reports each variable the program reads (once), or that it
read the whole environment (iterated, copied, printed), and changes nothing else: the very same
objects, so a module that did ``from os import environ`` is seen too. Names the program set or
removed itself are its own, and not reported. One scan of the whole environment is read for what
it looks for: urllib's ``getproxies_environment`` (every requests or urllib client calls it) uses
only the ``*_proxy`` names and ``REQUEST_METHOD``, which are reported by name. ``eval``,
``exec`` and ``compile`` are named as an enforced ``--no-code-exec`` run names them (an AST-only
``compile`` is no dynamic code), and runpy's helpers, which that run refuses whoever calls them,
are reported.

Nothing here refuses anything: learn mode enforces nothing.
"""

from __future__ import annotations

import _thread
import builtins
import os
import runpy
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from hermetic import _hermetic
else:
    # The bootstrap runs this file without importing the hermetic package (a learn run must not
    # change what the program finds imported); the extension is in sys.modules already.
    _hermetic = sys.modules["hermetic._hermetic"]

_own: set[str] = set()  # names the program set or removed: not the caller's environment
_scanning: set[int] = set()  # threads inside a scan read by name (below)


def _text(key: Any) -> str:
    return os.fsdecode(key) if isinstance(key, bytes) else str(key)


def _proxy_scan() -> bool:
    """Whether the iteration just asked for is urllib's scan for proxy settings."""
    frame = sys._getframe(2)
    # Past the mapping views and os's own helpers that iterate on the caller's behalf.
    while frame is not None and frame.f_code.co_filename.endswith(
            ("_collections_abc.py", "/os.py", "<frozen _collections_abc>", "<frozen os>")):
        frame = frame.f_back  # type: ignore[assignment]
    return (frame is not None and frame.f_code.co_name == "getproxies_environment"
            and frame.f_code.co_filename.endswith("urllib/request.py"))


def _by_name(mapping: os._Environ[Any], keys: Iterator[Any]) -> Iterator[Any]:
    """Iterates `keys` for a scan that looks at proxy settings only: those are reported (the
    reads of every other value the scan makes while it runs are not)."""
    for key in list(mapping._data):  # type: ignore[attr-defined]
        name = _text(mapping.decodekey(key))  # type: ignore[attr-defined]
        if (name.lower().endswith("_proxy") or name == "REQUEST_METHOD") and name not in _own:
            _hermetic.observe_environment(name)
    thread = _thread.get_ident()
    _scanning.add(thread)
    try:
        yield from keys
    finally:
        _scanning.discard(thread)


class _ObservedEnviron(os._Environ):  # type: ignore[misc,type-arg]
    """os._Environ that reports reads (assigned to the existing objects' ``__class__``)."""

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)  # an absent name: the enforced run lacks it too
        if _text(key) not in _own and _thread.get_ident() not in _scanning:
            _hermetic.observe_environment(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        _own.add(_text(key))

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        _own.add(_text(key))

    def __iter__(self) -> Iterator[Any]:
        if _proxy_scan():
            return _by_name(self, super().__iter__())
        _hermetic.observe_environment(None)
        return super().__iter__()

    def __len__(self) -> int:
        _hermetic.observe_environment(None)
        return super().__len__()

    def __repr__(self) -> str:
        _hermetic.observe_environment(None)
        return super().__repr__()

    def copy(self) -> dict[Any, Any]:
        _hermetic.observe_environment(None)
        return super().copy()  # type: ignore[no-any-return]


def _observing(original: Callable[..., Any], name: str) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        _hermetic.observe_code(name)
        return original(*args, **kwargs)

    return run


def enter_user_code() -> None:
    """Called once by the bootstrap, just before the main program runs."""
    os.environ.__class__ = _ObservedEnviron
    if hasattr(os, "environb"):
        os.environb.__class__ = _ObservedEnviron
    for name in ("eval", "exec", "compile"):
        setattr(builtins, name, _hermetic.name_code_entry(getattr(builtins, name), name))
    for name in ("run_path", "run_module"):
        setattr(runpy, name, _observing(getattr(runpy, name), name))
