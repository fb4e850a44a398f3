"""Context managers and decorators that activate hermetic's in-process policy.

The policy itself lives in the native module (``hermetic._hermetic``): entering a blocker pushes
a level onto its stack, leaving pops it, and the audit hook checks every level, so nesting only
ever tightens. This module only translates the hermetic-seal 1.0.0 API into those calls.
"""

from __future__ import annotations

import _thread

from hermetic import _hermetic, _patches

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at run time
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType
    from typing import Any, TypeVar

    from hermetic._hermetic import Token

    _F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["BlockConfig", "hermetic_blocker", "with_hermetic"]

# Serializes push/pop with the Python-side guards they switch (hermetic/_patches.py).
_LOCK = _thread.RLock()

_ALIASES = {
    "block_network": "block_network",
    "no_network": "block_network",
    "block_subprocess": "block_subprocess",
    "no_subprocess": "block_subprocess",
    "fs_readonly": "fs_readonly",
    "fs_root": "fs_root",
    "block_environment": "block_environment",
    "no_environment": "block_environment",
    "no_env": "block_environment",
    "keep_env": "keep_env",
    "block_code_exec": "block_code_exec",
    "no_code_exec": "block_code_exec",
    "block_interpreter_mutation": "block_interpreter_mutation",
    "no_interpreter_mutation": "block_interpreter_mutation",
    "block_native": "block_native",
    "allow_localhost": "allow_localhost",
    "allow_domains": "allow_domains",
    "deny_imports": "deny_imports",
    "trace": "trace",
    "sealed": "sealed",
}

_FIELDS = (
    "block_network",
    "block_subprocess",
    "fs_readonly",
    "fs_root",
    "block_environment",
    "block_code_exec",
    "block_interpreter_mutation",
    "block_native",
    "allow_localhost",
    "allow_domains",
    "deny_imports",
    "trace",
    "sealed",
    "keep_env",
)


def _variable_names(names: Iterable[str] | None) -> list[str]:
    # A str is an iterable of names too; "HOME" must not become ["H", "O", "M", "E"].
    if isinstance(names, (str, bytes)):
        raise TypeError("keep_env takes a list of variable names")
    return list(names) if names else []


class BlockConfig:
    """Describe the guard policy contributed by one blocker instance.

    Same fields, order and defaults as hermetic-seal's dataclass; a plain class here so that
    ``import hermetic`` does not pay for importing ``dataclasses``.
    """

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as a dataclass)

    def __init__(
        self,
        block_network: bool = False,
        block_subprocess: bool = False,
        fs_readonly: bool = False,
        fs_root: str | None = None,
        block_environment: bool = False,
        block_code_exec: bool = False,
        block_interpreter_mutation: bool = False,
        block_native: bool = False,
        allow_localhost: bool = False,
        allow_domains: list[str] | None = None,
        deny_imports: list[str] | None = None,
        trace: bool = False,
        sealed: bool = False,
        keep_env: list[str] | None = None,
    ) -> None:
        """Store the settings; list fields default to new empty lists.

        ``keep_env`` (hermetic's own, after hermetic-seal's fields): with ``block_environment``,
        names that stay readable.
        """
        self.block_network = block_network
        self.block_subprocess = block_subprocess
        self.fs_readonly = fs_readonly
        self.fs_root = fs_root or None  # "" is no root, as in hermetic-seal
        self.block_environment = block_environment
        self.block_code_exec = block_code_exec
        self.block_interpreter_mutation = block_interpreter_mutation
        self.block_native = block_native
        self.allow_localhost = allow_localhost
        self.allow_domains: list[str] = list(allow_domains) if allow_domains else []
        self.deny_imports: list[str] = list(deny_imports) if deny_imports else []
        self.trace = trace
        self.sealed = sealed
        self.keep_env: list[str] = _variable_names(keep_env)

    def __repr__(self) -> str:
        """Show every field, as a dataclass does."""
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"BlockConfig({body})"

    def __eq__(self, other: object) -> bool:
        """Compare field by field."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FIELDS)

    @classmethod
    def from_kwargs(cls, **kw: Any) -> BlockConfig:
        """Normalize accepted keyword aliases (``no_network``, ``no_env``, ...) into a config."""
        data: dict[str, Any] = {}
        for key, value in kw.items():
            if key not in _ALIASES:
                raise TypeError(f"Unknown argument: {key}")
            data[_ALIASES[key]] = value
        return cls(**data)

    def __or__(self, other: BlockConfig) -> BlockConfig:
        """Merge two policies; stricter settings win.  Alias for ``merged_with``."""
        return self.merged_with(other)

    def merged_with(self, other: BlockConfig) -> BlockConfig:
        """Combine two policies so the stricter settings win."""
        return BlockConfig(
            block_network=self.block_network or other.block_network,
            block_subprocess=self.block_subprocess or other.block_subprocess,
            fs_readonly=self.fs_readonly or other.fs_readonly,
            fs_root=other.fs_root or self.fs_root,
            block_environment=self.block_environment or other.block_environment,
            block_code_exec=self.block_code_exec or other.block_code_exec,
            block_interpreter_mutation=(
                self.block_interpreter_mutation or other.block_interpreter_mutation
            ),
            block_native=self.block_native or other.block_native,
            allow_localhost=self.allow_localhost or other.allow_localhost,
            allow_domains=list(dict.fromkeys(self.allow_domains + other.allow_domains)),
            deny_imports=list(dict.fromkeys(self.deny_imports + other.deny_imports)),
            trace=self.trace or other.trace,
            sealed=self.sealed or other.sealed,
            keep_env=list(dict.fromkeys(self.keep_env + other.keep_env)),
        )

    def to_policy(self) -> dict[str, Any]:
        """The policy in the form the native module takes (the JSON field names).

        Allow-lists only mean something as exceptions to ``block_network``; without it they are
        dropped, as hermetic-seal ignores them. ``fs_root`` implies ``fs_readonly`` (the core's
        rule; hermetic-seal ignored a root given without ``fs_readonly``).
        """
        policy: dict[str, Any] = {
            "block_network": bool(self.block_network),
            "block_subprocess": bool(self.block_subprocess),
            "fs_readonly": bool(self.fs_readonly),
            "fs_root": self.fs_root,
            "block_environment": bool(self.block_environment),
            "block_code_exec": bool(self.block_code_exec),
            "block_interpreter_mutation": bool(self.block_interpreter_mutation),
            "block_native": bool(self.block_native),
            "deny_imports": [m.strip() for m in self.deny_imports if m and m.strip()],
            "trace": bool(self.trace),
            "sealed": bool(self.sealed),
            # Not dropped without block_environment: the core refuses that combination, as a
            # mistake (ValueError on entering the blocker).
            "keep_env": list(self.keep_env),
        }
        if self.block_network:
            policy["allow_localhost"] = bool(self.allow_localhost)
            policy["allow_domains"] = [d for d in self.allow_domains if d]
        return policy


# The native module hands out an opaque token per level, and lifts a level (or changes what the
# interpreter guard watches) only for that token: the blockers keep theirs, never a module.
def _push(policy: dict[str, Any]) -> Token:
    with _LOCK:
        _patches.prepare(policy)
        token = _hermetic.push(policy)
        _patches.sync(_hermetic.effective(), token)
        return token


def _pop(token: Token) -> None:
    with _LOCK:
        _hermetic.pop(token)
        _patches.sync(_hermetic.effective(), token)


def install_json(text: str) -> Token:
    """Activate a policy given in the core's JSON form (hermetic::to_json) for the process.

    For hermetic's CLI injection: call once at interpreter start, before the target runs
    (e.g. from a bootstrap on PYTHONPATH). Returns the level's token; a sealed policy can
    never be popped. The main program itself (``python script.py``, ``python -c``) is not
    "dynamic code" under block_code_exec: the interpreter compiles it with no Python frame.
    """
    import json  # only for injection: keeps `import hermetic` fast

    with _LOCK:
        _patches.prepare(json.loads(text))
        token = _hermetic.push_json(text)
        _patches.sync(_hermetic.effective(), token)
        return token


def _is_async(func: Any) -> bool:
    import inspect  # only when decorating: keeps `import hermetic` fast

    return inspect.iscoroutinefunction(func)


def _wraps(func: Any) -> Any:
    import functools  # only when decorating: keeps `import hermetic` fast

    return functools.wraps(func)


class _HermeticBlocker:
    """A blocker policy as a sync or async context manager, or a decorator."""

    __slots__ = ("cfg", "_tokens")

    def __init__(self, cfg: BlockConfig) -> None:
        """Store the policy that should be applied on entry."""
        self.cfg = cfg
        # One token per active entry: the same blocker may be entered by several threads or
        # recursively through a decorated function.
        self._tokens: list[Token] = []

    def __enter__(self) -> _HermeticBlocker:
        """Activate this blocker policy for the whole process (all threads)."""
        token = _push(self.cfg.to_policy())
        self._tokens.append(token)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Remove this blocker's level (a sealed level stays) and restore what it replaced."""
        if self._tokens:
            _pop(self._tokens.pop())

    async def __aenter__(self) -> _HermeticBlocker:
        """Activate the blocker policy inside an async context."""
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Tear down the blocker policy after an async context exits."""
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: _F) -> _F:
        """Decorate a function: it runs guarded; for ``async def``, the whole coroutine does."""
        if _is_async(func):

            @_wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @_wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def hermetic_blocker(
    _config: BlockConfig | None = None,
    *,
    block_network: bool = False,
    block_subprocess: bool = False,
    fs_readonly: bool = False,
    fs_root: str | None = None,
    block_environment: bool = False,
    block_code_exec: bool = False,
    block_interpreter_mutation: bool = False,
    block_native: bool = False,
    allow_localhost: bool = False,
    allow_domains: Iterable[str] = (),
    deny_imports: Iterable[str] = (),
    trace: bool = False,
    sealed: bool = False,
    profile: str | None = None,
    keep_env: Iterable[str] = (),
) -> _HermeticBlocker:
    """Build a blocker that applies the requested hermetic guards.

    Can be called in three ways::

        # 1. Keyword arguments
        hermetic_blocker(block_network=True)

        # 2. Pre-built BlockConfig object
        hermetic_blocker(BlockConfig(block_network=True))

        # 3. Named profile (merged with the keyword arguments)
        hermetic_blocker(profile="net-hermetic")
    """
    if _config is not None:
        if not isinstance(_config, BlockConfig):
            raise TypeError(
                "hermetic_blocker() positional argument must be a BlockConfig, "
                f"got {type(_config).__name__}"
            )
        cfg = _config
    else:
        cfg = BlockConfig(
            block_network=block_network,
            block_subprocess=block_subprocess,
            fs_readonly=fs_readonly,
            fs_root=fs_root,
            block_environment=block_environment,
            block_code_exec=block_code_exec,
            block_interpreter_mutation=block_interpreter_mutation,
            block_native=block_native,
            allow_localhost=allow_localhost,
            allow_domains=list(allow_domains or ()),
            deny_imports=list(deny_imports or ()),
            trace=trace,
            sealed=sealed,
            keep_env=_variable_names(keep_env),
        )

    if profile is not None:
        from hermetic.profiles import PROFILES  # only when asked for: keeps import fast

        prof = PROFILES.get(profile)
        if prof is None:
            raise ValueError(f"Unknown hermetic profile: {profile!r}")
        profile_cfg = BlockConfig(
            block_network=prof.no_network,
            block_subprocess=prof.no_subprocess,
            fs_readonly=prof.fs_readonly,
            fs_root=prof.fs_root,
            block_environment=prof.no_environment,
            block_code_exec=prof.no_code_exec,
            block_interpreter_mutation=prof.no_interpreter_mutation,
            block_native=prof.block_native,
            allow_localhost=prof.allow_localhost,
            allow_domains=list(prof.allow_domains),
            deny_imports=list(prof.deny_imports),
            trace=prof.trace,
            sealed=prof.sealed,
        )
        cfg = cfg | profile_cfg

    return _HermeticBlocker(cfg)


def with_hermetic(_config: BlockConfig | None = None, **kwargs: Any) -> _HermeticBlocker:
    """Mirror `hermetic_blocker` under a decorator-friendly name."""
    return hermetic_blocker(_config, **kwargs)
