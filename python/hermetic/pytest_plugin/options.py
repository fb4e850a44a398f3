"""The run's default policy: ``--hermetic-*`` options and ``hermetic_*`` ini options.

Both are derived from the core's field table (``_hermetic.policy_fields()``), as the CLI's
flags and the Python API's keywords are: a field ``allow_write`` is ``--hermetic-allow-write
PATH`` (repeatable) and ini ``hermetic_allow_write`` (one path a line). A switch given on the
command line or in the ini file sets the field; the command line wins over the ini file, field
by field. ``--hermetic-policy NAME`` / ``hermetic_policy = NAME`` take a policy of the policy
file (docs/policy-files.md) as the run's default, and the switches add to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from hermetic.pytest_plugin.policy import TEST_FIELDS, Layer, layer_from_keywords, start_dir

# The fields a run-wide default can set: those the Python API enforces (not `resolve`).
RUN_FIELDS = tuple(f for f in TEST_FIELDS if f.layer != "kernel")
_LISTS = ("names", "paths")


def _dest(key: str) -> str:
    return f"hermetic_{key}"


def _option(key: str) -> str:
    return "--hermetic-" + key.replace("_", "-")


def add_options(parser: pytest.Parser) -> None:
    """Register the options and ini names of every field, and the plugin's own."""
    group = parser.getgroup("hermetic", "hermetic: per-test policies (docs/pytest-plugin.md)")
    group.addoption("--hermetic-policy", dest="hermetic_policy", metavar="NAME", default=None,
                    help="the run's default policy: policy NAME of the policy file ('' for its "
                    "default); markers and fixtures change it per test")
    group.addoption("--hermetic-policy-file", dest="hermetic_policy_file", metavar="FILE",
                    default=None, help="the policy file (default: hermetic.toml or "
                    "pyproject.toml's [tool.hermetic], from the root directory upward)")
    group.addoption("--hermetic-isolation", dest="hermetic_isolation", default=None,
                    choices=("auto", "off"), help="auto (default): a test whose policy has a "
                    "kernel part runs in a forked child that applies it; off: in-process only")
    parser.addini("hermetic_policy", "the run's default policy (a name of the policy file)",
                  default=None)
    parser.addini("hermetic_policy_file", "the policy file for hermetic_policy", default=None)
    parser.addini("hermetic_isolation", "auto (default) or off: see --hermetic-isolation",
                  default="auto")
    for f in RUN_FIELDS:
        if f.type == "flag":
            group.addoption(_option(f.key), dest=_dest(f.key), action="store_true",
                            default=None, help=f"(run-wide) {f.help}")
            parser.addini(_dest(f.key), f.help, type="bool", default=None)
        elif f.type in _LISTS:
            group.addoption(_option(f.key), dest=_dest(f.key), action="append", default=None,
                            metavar=f.metavar, help=f"(run-wide) {f.help}")
            parser.addini(_dest(f.key), f.help, type="linelist", default=None)
        else:
            group.addoption(_option(f.key), dest=_dest(f.key), default=None,
                            metavar=f.metavar, help=f"(run-wide) {f.help}")
            parser.addini(_dest(f.key), f.help, default=None)


def _ini(config: pytest.Config, name: str) -> Any:
    value = config.getini(name)
    return None if value in (None, "", []) else value


def run_layers(config: pytest.Config) -> list[Layer]:
    """The run's default as layers: the policy file's policy, then the ini, then the command
    line. UsageError (one line) for a bad value."""
    layers: list[Layer] = []
    policy = config.getoption("hermetic_policy")
    policy_file = config.getoption("hermetic_policy_file")
    where = "--hermetic-policy"
    if policy is None and policy_file is None:
        policy, policy_file, where = (
            _ini(config, "hermetic_policy"), _ini(config, "hermetic_policy_file"),
            "ini hermetic_policy")
    try:
        if policy is not None or policy_file is not None:
            kw = {"policy": policy or ""}
            if policy_file:
                kw["policy_file"] = policy_file
            layers.append(layer_from_keywords(f"{where}={policy or ''}", kw,
                                              start_dir(config.rootpath)))
        ini = {f.key: _ini(config, _dest(f.key)) for f in RUN_FIELDS}
        ini = {k: v for k, v in ini.items() if v is not None}
        if ini:
            layers.append(layer_from_keywords("ini hermetic_*", ini, ""))
        for f in RUN_FIELDS:
            value = config.getoption(_dest(f.key))
            if value is not None:
                layers.append(layer_from_keywords(_option(f.key), {f.key: value}, ""))
    except (TypeError, ValueError) as err:
        raise pytest.UsageError(f"hermetic: {err}") from None
    return layers


def isolation(config: pytest.Config) -> bool:
    """Whether tests with a kernel part run in a forked child."""
    value = config.getoption("hermetic_isolation") or config.getini("hermetic_isolation")
    if value not in ("auto", "off"):
        raise pytest.UsageError(f"hermetic: hermetic_isolation must be auto or off, not {value!r}")
    return value == "auto"
