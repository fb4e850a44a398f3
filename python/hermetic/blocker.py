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
    import os
    from collections.abc import Callable, Iterable
    from types import TracebackType
    from typing import Any, TypeVar

    from hermetic._hermetic import Token

    _F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["BlockConfig", "hermetic_blocker", "with_hermetic"]

# Serializes push/pop with the Python-side guards they switch (hermetic/_patches.py).
_LOCK = _thread.RLock()

class _Field:
    """One row of the core's field table (include/hermetic/policy_fields.hpp)."""

    __slots__ = ("key", "type", "role", "layer", "options", "metavar", "help", "exception_to")

    def __init__(self, row: tuple[Any, ...]) -> None:
        (self.key, self.type, self.role, self.layer, self.options, self.metavar, self.help,
         self.exception_to, _implies) = row


# The policy's fields, from the core: the one description every face derives from.
_FIELDS = tuple(_Field(row) for row in _hermetic.policy_fields())
_LISTS = ("names", "paths", "pins")

# Accepted keyword spellings: each field's key, and for switches each CLI option spelled as a
# keyword (``no_network``, ``no_env``), as hermetic-seal accepted both.
_ALIASES = {f.key: f.key for f in _FIELDS}
_ALIASES.update(
    {o.replace("-", "_"): f.key for f in _FIELDS if f.type == "flag" for o in f.options}
)


def _normal(field: _Field, value: Any) -> Any:
    """A keyword's value as BlockConfig keeps it: lists copied (a single str refused, so that
    "HOME" does not become ["H", "O", "M", "E"]), an empty read root as None."""
    if field.type in _LISTS:
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{field.key} takes a list of {field.metavar} values, not a str")
        return list(value) if value else []
    if field.type == "path":
        return value or None  # "" is no root, as in hermetic-seal
    return value


class BlockConfig:
    """Describe the guard policy contributed by one blocker instance.

    Same fields, order and defaults as hermetic-seal's dataclass, then hermetic's own
    (``keep_env``, ``allow_write``, ``allow_read``, ``resolve``, ``allow_connect``,
    ``allow_bind``, ``allow_exec``); a plain class here so that
    ``import hermetic`` does not pay for importing ``dataclasses``. The fields and their union
    come from the core's field table; the signature spells them out for readers and type
    checkers (a test keeps the two equal).
    """

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as a dataclass)

    block_network: bool
    block_subprocess: bool
    fs_readonly: bool
    fs_root: str | None
    block_environment: bool
    block_code_exec: bool
    block_interpreter_mutation: bool
    block_native: bool
    allow_localhost: bool
    allow_domains: list[str]
    deny_imports: list[str]
    trace: bool
    sealed: bool
    keep_env: list[str]
    allow_write: list[str]
    allow_read: list[str]
    resolve: list[str]
    allow_connect: list[str]
    allow_bind: list[str]
    allow_exec: list[str]

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
        allow_write: list[str] | None = None,
        allow_read: list[str] | None = None,
        resolve: list[str] | None = None,
        allow_connect: list[str] | None = None,
        allow_bind: list[str] | None = None,
        allow_exec: list[str] | None = None,
    ) -> None:
        """Store the settings; list fields default to new empty lists.

        ``keep_env``: with ``block_environment``, names that stay readable. ``allow_write``:
        with ``fs_readonly``, paths that stay writable; ``allow_read``: with ``fs_root``, paths
        that stay readable. ``resolve`` (``"NAME:ADDRESS"`` pins) needs the hermetic CLI.
        ``allow_connect``: with ``block_network``, ``"HOST:PORT"`` destinations (an address or
        a name) that stay reachable on that port alone. ``allow_bind``: with ``block_network``,
        loopback ports (as str) a server may bind and listen on. ``allow_exec``: with
        ``block_subprocess``, programs that may still be started: a file, a directory (every
        program beneath it) or a bare name found on ``PATH``.
        """
        given = locals()
        for field in _FIELDS:
            setattr(self, field.key, _normal(field, given[field.key]))

    def _values(self) -> dict[str, Any]:
        return {f.key: getattr(self, f.key) for f in _FIELDS}

    def __repr__(self) -> str:
        """Show every field, as a dataclass does."""
        body = ", ".join(f"{f.key}={getattr(self, f.key)!r}" for f in _FIELDS_IN_SIGNATURE)
        return f"BlockConfig({body})"

    def __eq__(self, other: object) -> bool:
        """Compare field by field."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

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
        """Combine two policies so the stricter settings win (the core's union: switches by
        ``or``, lists joined; two different ``fs_root`` values are a ValueError)."""
        return BlockConfig(**_hermetic.unite(self._values(), other._values()))

    def to_policy(self) -> dict[str, Any]:
        """The policy in the form the native module takes (the JSON field names).

        Exceptions to ``block_network`` (``allow_localhost``, ``allow_domains``) are dropped
        without it, as hermetic-seal ignores them; the other exceptions without their block are
        refused by the core as a mistake (ValueError on entering the blocker). ``fs_root``
        implies ``fs_readonly`` (the core's rule; hermetic-seal ignored a root given without
        ``fs_readonly``). Fields only the kernel layer's supervisor serves (``resolve``) are
        refused: the Python API has no supervisor.
        """
        policy: dict[str, Any] = {}
        for field in _FIELDS:
            value = getattr(self, field.key)
            if field.exception_to == "block_network" and not self.block_network:
                continue
            if field.layer == "kernel":
                if value:
                    raise ValueError(
                        f"{field.key} needs the hermetic command line (--{field.options[0]}); "
                        "the Python API cannot enforce it"
                    )
                continue
            if field.type == "flag":
                policy[field.key] = bool(value)
            elif field.type == "names":  # as hermetic-seal: surrounding blanks and "" dropped
                policy[field.key] = [v.strip() for v in value if v and v.strip()]
            else:
                policy[field.key] = list(value) if field.type in _LISTS else value
        return policy


# hermetic-seal's field order first (BlockConfig's positional parameters), then hermetic's own.
_FIELDS_IN_SIGNATURE = tuple(
    next(f for f in _FIELDS if f.key == name)
    for name in BlockConfig.__init__.__code__.co_varnames[1 : len(_FIELDS) + 1]
)


# The native module hands out an opaque token per level, and lifts a level (or changes what the
# interpreter guard watches) only for that token: the blockers keep theirs, never a module.
def _push(policy: dict[str, Any], report: str | None = None) -> Token:
    with _LOCK:
        _patches.prepare(policy)
        token = _hermetic.push(policy, report)
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

    __slots__ = ("cfg", "report", "_tokens")

    def __init__(self, cfg: BlockConfig, report: str | None = None) -> None:
        """Store the policy that should be applied on entry, and where to report refusals."""
        self.cfg = cfg
        self.report = report  # absolute; the file exists (hermetic_blocker made it)
        # One token per active entry: the same blocker may be entered by several threads or
        # recursively through a decorated function.
        self._tokens: list[Token] = []

    def __enter__(self) -> _HermeticBlocker:
        """Activate this blocker policy for the whole process (all threads)."""
        token = _push(self.cfg.to_policy(), self.report)
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
    allow_write: Iterable[str] = (),
    allow_read: Iterable[str] = (),
    resolve: Iterable[str] = (),
    allow_connect: Iterable[str] = (),
    allow_bind: Iterable[str] = (),
    allow_exec: Iterable[str] = (),
    policy: str | None = None,
    policy_file: str | None = None,
    report: str | os.PathLike[str] | None = None,
) -> _HermeticBlocker:
    """Build a blocker that applies the requested hermetic guards.

    Can be called in three ways::

        # 1. Keyword arguments
        hermetic_blocker(block_network=True)

        # 2. Pre-built BlockConfig object
        hermetic_blocker(BlockConfig(block_network=True))

        # 3. Named profile (merged with the keyword arguments)
        hermetic_blocker(profile="net-hermetic")

        # 4. A policy of the policy file (hermetic.toml, or pyproject.toml's [tool.hermetic],
        #    found from the working directory upward, or `policy_file`); "" is its default.
        #    The keyword arguments add to it and may only tighten it.
        hermetic_blocker(policy="ci")

    ``report``: a file that gets one JSON line per refusal while the blocker is active (the
    format of ``hermetic --report``, docs/report.md); created if missing, appended to.
    """
    if _config is not None:
        if not isinstance(_config, BlockConfig):
            raise TypeError(
                "hermetic_blocker() positional argument must be a BlockConfig, "
                f"got {type(_config).__name__}"
            )
        cfg = _config
    else:
        given = locals()
        cfg = BlockConfig(**{f.key: given[f.key] for f in _FIELDS})

    if profile is not None:
        if profile not in _hermetic.profile_names():
            raise ValueError(f"Unknown hermetic profile: {profile!r}")
        cfg = cfg | _profile_config(profile)

    if policy is not None or policy_file is not None:
        import os  # only for policy files: keeps `import hermetic` fast

        text, _file, _name = _hermetic.load_policy(
            policy or "", policy_file, os.getcwd(), cfg._values()
        )
        cfg = _config_from_json(text) | cfg

    return _HermeticBlocker(cfg, _report_file(report) if report is not None else None)


def _report_file(report: str | os.PathLike[str]) -> str:
    """Create (or keep) the report file now, so that a path that cannot be written is an error
    here and not lines lost later; its absolute path, as the native layer appends to it."""
    import os  # only for reports: keeps `import hermetic` fast

    path = os.path.abspath(os.fspath(report))
    with open(path, "a", encoding="utf-8"):
        pass
    return path


def _profile_config(name: str) -> BlockConfig:
    """A named profile from the core's table, as a BlockConfig."""
    return _config_from_json(_hermetic.profile_json(name))


def _config_from_json(text: str) -> BlockConfig:
    """A policy in the core's JSON form as a BlockConfig (pins as NAME:ADDRESS)."""
    import json  # only for profiles and policy files: keeps `import hermetic` fast

    values = json.loads(text)
    for field in _FIELDS:
        if field.type == "pins":
            values[field.key] = [f"{p['name']}:{p['address']}" for p in values[field.key]]
    return BlockConfig(**values)


def with_hermetic(_config: BlockConfig | None = None, **kwargs: Any) -> _HermeticBlocker:
    """Mirror `hermetic_blocker` under a decorator-friendly name."""
    return hermetic_blocker(_config, **kwargs)
