"""Named guard presets and helpers for combining them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

from hermetic import _hermetic


@dataclass
class GuardConfig:
    """Capture the guard settings used to run a target.

    Fields use the CLI-style ``no_*`` prefix for historical reasons.
    The ``block_*`` aliases (e.g. ``block_network``, ``block_subprocess``)
    are available as read-only properties for parity with ``BlockConfig``.
    """

    no_network: bool = False
    no_subprocess: bool = False
    fs_readonly: bool = False
    fs_root: str | None = None
    no_environment: bool = False
    no_code_exec: bool = False
    no_interpreter_mutation: bool = False
    block_native: bool = False
    allow_localhost: bool = False
    allow_domains: list[str] = field(default_factory=list)
    deny_imports: list[str] = field(default_factory=list)
    trace: bool = False
    sealed: bool = False

    # --- block_* aliases for naming parity with BlockConfig ---

    @property
    def block_network(self) -> bool:
        """Alias for ``no_network``."""
        return self.no_network

    @property
    def block_subprocess(self) -> bool:
        """Alias for ``no_subprocess``."""
        return self.no_subprocess

    @property
    def block_environment(self) -> bool:
        """Alias for ``no_environment``."""
        return self.no_environment

    @property
    def block_code_exec(self) -> bool:
        """Alias for ``no_code_exec``."""
        return self.no_code_exec

    @property
    def block_interpreter_mutation(self) -> bool:
        """Alias for ``no_interpreter_mutation``."""
        return self.no_interpreter_mutation


def _from_core(name: str) -> GuardConfig:
    """A profile from the core's table (src/core/policy/profiles.cpp), where profiles are written
    down once for the CLI, the C++ API and this module. GuardConfig's attribute for a field is
    its key or, for switches, its CLI option spelled as a keyword (``no_network``)."""
    p = json.loads(_hermetic.profile_json(name))
    names = {f.name for f in fields(GuardConfig)}
    values: dict[str, object] = {}
    for key, _type, _role, _layer, options, *_rest in _hermetic.policy_fields():
        spellings = [key, *(o.replace("-", "_") for o in options)]
        attribute = next((s for s in spellings if s in names), None)
        if attribute is not None:
            values[attribute] = p[key]
    return GuardConfig(**values)  # type: ignore[arg-type]


PROFILES: dict[str, GuardConfig] = {name: _from_core(name) for name in _hermetic.profile_names()}


def apply_profile(base: GuardConfig, name: str) -> GuardConfig:
    """Overlay a named profile onto an existing guard config."""
    prof = PROFILES.get(name)
    if not prof:
        raise SystemExit(f"unknown profile: {name}")
    # Merge 'truthy' fields from profile into base.
    merged = GuardConfig(**vars(base))
    for k, v in vars(prof).items():
        if isinstance(v, bool) and v:
            setattr(merged, k, True)
        elif isinstance(v, list) and v:
            getattr(merged, k).extend(v)
        elif isinstance(v, str) and v:
            setattr(merged, k, v)
    return merged
