"""Every face of the Python side knows every field of the core's table the moment it is
described (the C++ builder, JSON and command line: tests/core/policy_fields_test.cpp)."""

from __future__ import annotations

import inspect
import pathlib
import re
import subprocess
import sys

import pytest
from hermetic import BlockConfig, _hermetic, hermetic_blocker

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIELDS = _hermetic.policy_fields()
KEYS = [row[0] for row in FIELDS]


def sample(type_: str, metavar: str = "") -> object:
    if metavar == "HOST:PORT":
        return ["sample.test:443"]
    if metavar == "PORT":
        return ["8000"]
    return {"flag": True, "names": ["sample"], "paths": ["/tmp"], "path": "/tmp",
            "pins": ["sample.test:127.0.0.1"]}[type_]


def test_the_table_is_not_empty_and_keys_are_unique():
    assert len(KEYS) == len(set(KEYS)) >= 17


def test_block_config_and_the_blocker_take_every_field_as_a_keyword():
    config = inspect.signature(BlockConfig).parameters
    blocker = inspect.signature(hermetic_blocker).parameters
    assert set(config) == set(KEYS)
    assert set(KEYS) <= set(blocker)
    assert set(blocker) - set(KEYS) == {"_config", "profile", "policy", "policy_file", "report"}


@pytest.mark.parametrize("row", FIELDS, ids=KEYS)
def test_a_set_field_survives_union_and_reaches_the_native_policy(row):
    key, type_, _role, layer, _options, metavar, _help, exception_to, _implies = row
    values = {key: sample(type_, metavar)}
    if exception_to:
        values[exception_to] = True
    config = BlockConfig(**values)
    assert getattr(config, key) == sample(type_, metavar)
    for united in (config | BlockConfig(), BlockConfig() | config):
        assert getattr(united, key) == sample(type_, metavar)
    if layer == "kernel":  # only the CLI's supervisor serves it: refused, never ignored
        with pytest.raises(ValueError, match=key):
            config.to_policy()
        return
    policy = config.to_policy()
    assert policy[key] == sample(type_, metavar)
    assert key in _hermetic.unite(policy, {})


@pytest.mark.parametrize("row", [r for r in FIELDS if r[1] == "flag"], ids=lambda r: r[0])
def test_each_cli_spelling_of_a_switch_is_a_keyword(row):
    for option in row[4]:
        config = BlockConfig.from_kwargs(**{option.replace("-", "_"): True})
        assert getattr(config, row[0]) is True


def test_the_policy_doc_table_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "policy_fields_doc.py")],
                          capture_output=True, text=True, check=True, timeout=60)
    doc = (ROOT / "docs" / "policy.md").read_text()
    assert proc.stdout.strip() in doc, "run: python scripts/policy_fields_doc.py --write"


def test_the_shipped_schema_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "policy_fields_doc.py"),
                           "--schema"], capture_output=True, text=True, check=True, timeout=60)
    shipped = pathlib.Path(hermetic_package_dir()) / "policy-file.schema.json"
    assert proc.stdout == (ROOT / "python" / "hermetic" / "policy-file.schema.json").read_text()
    assert proc.stdout == shipped.read_text(), "the installed package carries an old schema"


def hermetic_package_dir() -> str:
    import hermetic

    return str(pathlib.Path(hermetic.__file__).parent)


def test_the_readme_flag_table_has_a_row_for_every_option():
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `--")]
    first_cells = [line.split("|")[1] for line in rows]
    for row in FIELDS:
        for option in row[4]:
            pattern = rf"`--{re.escape(option)}[ =`\[]"
            assert any(re.search(pattern, cell) for cell in first_cells), option
