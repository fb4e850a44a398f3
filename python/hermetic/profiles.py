"""Named guard presets and helpers for combining them."""

from __future__ import annotations

from dataclasses import dataclass, field


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


PROFILES: dict[str, GuardConfig] = {
    "block-all": GuardConfig(
        block_native=True,
        no_subprocess=True,
        no_network=True,
        fs_readonly=True,
        no_environment=True,
        no_code_exec=True,
        no_interpreter_mutation=True,
    ),
    "net-hermetic": GuardConfig(no_network=True, allow_localhost=True),
    "exec-deny": GuardConfig(no_subprocess=True),
    "fs-readonly": GuardConfig(fs_readonly=True),
    "block-native": GuardConfig(block_native=True),
}


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
