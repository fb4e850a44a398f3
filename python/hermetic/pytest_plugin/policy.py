"""The policy of one test: layers, each naming the fields it sets, the closest one winning.

A test's policy is built from layers, farthest first: the run's default (``--hermetic-*``
options, ``hermetic_*`` ini options, ``--hermetic-policy``), pytest-socket's names, the
``hermetic`` markers of the module, the class and the test, and last the ``hermetic_policy``
fixture. **Each field takes its value from the closest layer that names it**: a test marked
``hermetic(fs_readonly=True)`` under ``--hermetic-block-network`` gets both, and one marked
``hermetic(block_network=False)`` gets the network back. A layer that names a policy of the
policy file (``policy="ci"``) or a profile names every field.

Every layer remembers where it came from, so that a refusal can say which marker or option
refused it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from hermetic import _hermetic
from hermetic.blocker import _ALIASES, _FIELDS, BlockConfig, _config_from_json, _normal

FIELDS = {f.key: f for f in _FIELDS}
# What a test's policy holds: every field but `sealed`, which would outlive the test. (Fields
# only the CLI's supervisor serves, `resolve`, are refused by BlockConfig.to_policy as for the
# Python API.)
TEST_FIELDS = tuple(f for f in _FIELDS if f.key != "sealed")
_NAMED = ("policy", "policy_file", "profile")


class Layer:
    """Fields one place sets (a marker, an option, a fixture) and the place, for messages."""

    __slots__ = ("source", "values")

    def __init__(self, source: str, values: dict[str, Any]) -> None:
        self.source = source
        self.values = values


def layer_from_keywords(source: str, kwargs: Mapping[str, Any], start: str) -> Layer:
    """The layer of ``hermetic(**kwargs)``: the keywords of ``with_hermetic``, aliases
    included; with ``policy=``/``policy_file=``/``profile=`` every field of that policy (the
    keywords beside it may only tighten it, as for ``hermetic_blocker``). ValueError or
    TypeError with a one-line reason for a bad keyword. ``start``: where the policy file is
    looked for (upward)."""
    named = {k: kwargs[k] for k in _NAMED if k in kwargs}
    values: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in _NAMED:
            continue
        field = _ALIASES.get(key)
        if field is None or FIELDS[field] not in TEST_FIELDS:
            raise TypeError(f"{source}: unknown or unusable keyword {key!r}")
        values[field] = _normal(FIELDS[field], value)
    if not named:
        return Layer(source, values)
    cfg = BlockConfig(**values)
    profile = named.get("profile")
    if profile is not None:
        if profile not in _hermetic.profile_names():
            raise ValueError(f"{source}: unknown hermetic profile {profile!r}")
        cfg = cfg | _config_from_json(_hermetic.profile_json(profile))
    if "policy" in named or "policy_file" in named:
        text, _file, _name = _hermetic.load_policy(
            named.get("policy") or "", named.get("policy_file"), start, cfg._values()
        )
        cfg = _config_from_json(text) | cfg
    every = cfg._values()
    return Layer(source, {f.key: every[f.key] for f in TEST_FIELDS})


class TestPolicy:
    """The fields of one test's policy and, for each, the layer that set it."""

    __test__ = False  # not a test class, whatever pytest's collection thinks of the name

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = list(layers)
        self.values: dict[str, Any] = BlockConfig()._values()
        self.sources: dict[str, str] = {}
        for layer in layers:
            for key, value in layer.values.items():
                self.values[key] = value
                self.sources[key] = layer.source
        self._plain: dict[str, Any] | None = None
        self._active = any(self.values[f.key] for f in TEST_FIELDS if f.role == "block")
        self._kernel = self._has_kernel_part()
        self._kernel_keys: dict[bool, str] = {}

    def readonly(self) -> bool:
        return bool(self.values["fs_readonly"] or self.values["fs_root"])

    def config(self, allow_write: list[str]) -> BlockConfig:
        """The policy as a BlockConfig, with extra writable paths when it is read-only."""
        values = {f.key: self.values[f.key] for f in TEST_FIELDS}
        if self.readonly():
            values["allow_write"] = [*values["allow_write"], *allow_write]
        return BlockConfig(**values)

    def in_process(self, allow_write: list[str]) -> dict[str, Any]:
        """The level to push (the native module's form); made once when nothing is added."""
        if self.readonly():
            return self.config(allow_write).to_policy()
        if self._plain is None:
            self._plain = self.config([]).to_policy()
        return dict(self._plain)

    def active(self) -> bool:
        """Whether anything is blocked (a policy of only exceptions and settings is none)."""
        return self._active

    def isolated(self) -> bool:
        """Whether the policy has a kernel part (then the test runs in a forked child)."""
        return self._kernel

    def kernel_key(self, supervised: bool) -> str:
        """The kernel part without the test's own places, as text: equal for equal parts."""
        key = self._kernel_keys.get(supervised)
        if key is None:
            key = self._kernel_keys[supervised] = json.dumps(self.kernel_part([], supervised),
                                                             sort_keys=True)
        return key

    def needs_supervisor(self) -> bool:
        """Whether the kernel part has calls a supervisor decides: the network's exceptions,
        fs_readonly's metadata calls."""
        v = self.values
        exceptions = any(v[f.key] for f in _FIELDS if f.exception_to == "block_network")
        return self.readonly() or bool(v["block_network"] and exceptions)

    def kernel_part(self, allow_write: list[str], supervised: bool = True) -> dict[str, Any]:
        """What a forked child applies to itself in the kernel, in the native module's form:

        - the network, with its exceptions (``allow_localhost``, ``allow_domains``,
          ``allow_connect``, ``allow_bind``): a supervisor in pytest's process decides each
          connect, bind and addressed send of the child and of every process it starts;
        - new processes, and the programs ``allow_exec`` lets run;
        - writes (``fs_readonly``, also under ``fs_root``): Landlock, with ``allow_write`` and
          the test's own places (`allow_write`: its tmp_path, its TMPDIR) writable, and chmod,
          utime and the like performed there by the supervisor.

        Reads confined to ``fs_root`` and the Python-only flags stay in-process. Sealing a policy
        (src/python/seal.cpp, kernel_part) applies less: it has no supervisor outside the process,
        so it leaves out the network when an exception is set, and writes; so does this without
        `supervised` (pytest runs under a supervised filter already: the kernel allows one).
        """
        if not self._kernel:
            return {}
        full = self.in_process(allow_write)
        part: dict[str, Any] = {}
        if not supervised:
            exceptions = any(full.get(f.key) for f in _FIELDS if f.exception_to == "block_network")
            if full.get("block_network") and not exceptions:
                part["block_network"] = True
            if full.get("block_subprocess"):
                part.update(block_subprocess=True, allow_exec=full["allow_exec"])
            return part
        if full.get("block_network"):
            part.update({f.key: full[f.key] for f in _FIELDS if f.key in full and (
                f.key == "block_network" or f.exception_to == "block_network")})
        if full.get("block_subprocess"):
            part.update(block_subprocess=True, allow_exec=full["allow_exec"])
        if self.readonly():
            # Landlock grants existing paths only (the command line refuses a missing one): a
            # missing one is left out of the kernel part (writes there stay refused) rather than
            # failing the test before it starts.
            writable = [p for p in full["allow_write"] if os.path.exists(p)]
            part.update(fs_readonly=True, allow_write=writable)
        return part

    def _has_kernel_part(self) -> bool:
        v = self.values
        return bool(v["block_network"] or v["block_subprocess"]) or self.readonly()

    def refusers(self, guard: str | None) -> list[str]:
        """``field from SOURCE`` for the blocks that could have refused a ``guard`` action."""
        out = []
        for f in TEST_FIELDS:
            if f.role != "block" or not self.values[f.key]:
                continue
            if guard and not _guard_matches(guard, f.key):
                continue
            out.append(f"{f.key} from {self.sources.get(f.key, 'the defaults')}")
        return out


# PolicyViolation.guard names (hermetic/errors.py) whose field key does not contain them.
_GUARD_FIELDS = {"filesystem": ("fs_",), "imports": ("deny_imports", "block_native"),
                 "environment": ("block_environment",)}


def _guard_matches(guard: str, key: str) -> bool:
    return any(part in key for part in _GUARD_FIELDS.get(guard, (guard,)))


def start_dir(rootpath: Any) -> str:
    """Where policy files are looked for: the run's root directory, else the working one."""
    return str(rootpath) if rootpath else os.getcwd()
