"""Stubs for hermetic's native in-process layer (src/python)."""

from collections.abc import Callable
from importlib.machinery import ModuleSpec
from typing import Any, Literal, NoReturn, final

class HermeticError(RuntimeError):
    """Base for hermetic failures."""

class PolicyViolation(HermeticError):
    """Raised when a guard blocks an action."""

    guard: str | None
    target: str | None
    def __init__(
        self, message: str, *, guard: str | None = None, target: str | None = None
    ) -> None: ...

class ImportPolicyViolation(PolicyViolation, ImportError):
    """A denied import: a PolicyViolation that ``except ImportError`` also catches."""

class PermissionPolicyViolation(PolicyViolation, PermissionError):
    """A refusal the kernel would give as an error: also that PermissionError (errno)."""

    def __init__(
        self,
        message: str,
        *,
        guard: str | None = None,
        target: str | None = None,
        errno: int = ...,
        filename: str | None = None,
    ) -> None: ...

class ReadOutsideRootViolation(PermissionPolicyViolation):
    """A read outside ``fs_root``: a PolicyViolation that is also a PermissionError."""

    def __init__(
        self, message: str, *, guard: str | None = None, target: str | None = None
    ) -> None: ...

class BootstrapError(HermeticError):
    """Raised when bootstrap mode fails."""

@final
class Token:
    """A level's capability to be popped; made only by push (not a module attribute)."""

def push(policy: dict[str, Any], /) -> Token: ...
def push_json(text: str, /) -> Token: ...
def deny_native_code() -> None: ...
def profile_names() -> tuple[str, ...]: ...
def profile_json(name: str, /) -> str: ...
def pop(token: Token, /) -> bool: ...
def effective() -> dict[str, bool | int]: ...
def environment_readable(name: object, /) -> bool: ...
def extension_allowed(path: str, /) -> bool: ...
def levels_json() -> str: ...
def kernel_part_json() -> str: ...
def deny(
    guard: str,
    message: str,
    target: str | None = None,
    kind: Literal["policy", "import", "read"] = "policy",
) -> NoReturn: ...
def find_spec(name: str, path: Any = None, target: Any = None) -> ModuleSpec | None: ...
def wrap_fork_exec(original: Callable[..., Any], /) -> Callable[..., Any]: ...
def wrap_import(original: Callable[..., Any], /) -> Callable[..., Any]: ...
def watch_interpreter_lists(
    lists: tuple[list[Any], list[Any], list[Any]] | None, token: Token, /
) -> None: ...
def check_import(name: str, /) -> None: ...
def name_code_entry(original: Callable[..., Any], name: str, /) -> Callable[..., Any]: ...
def guard_code_helper(original: Callable[..., Any], name: str, /) -> Callable[..., Any]: ...
