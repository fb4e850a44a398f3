"""A checker of `--report` lines, format version 1 (docs/report.md): every line one JSON object
with the documented keys only, of the documented types, and a capability and operation from the
document's own table (read from docs/report.md, so that the document and the lines cannot drift
apart)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

VERSION = 1
DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
_TOP = {"v", "time", "pid", "program", "capability", "operation", "decision", "layer", "flag",
        "detail", "frame", "truncated", "lossy"}
_ALWAYS = {"v", "time", "pid", "capability", "operation", "decision", "layer", "detail"}
_DETAIL = {"path": str, "path2": str, "address": str, "port": int, "name": str}
_LAYERS = {"supervisor", "landlock", "preload", "inprocess", "cli"}
_DECISIONS = {"refused", "observed"}


def vocabulary() -> dict[str, set[str]]:
    """capability -> its operations, from the table of docs/report.md."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Capabilities and operations", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set[str]] = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        out[cells[0].strip("`")] = set(re.findall(r"`([a-z_]+)`", cells[1]))
    return out


_VOCABULARY = vocabulary()


def check_line(line: str) -> dict[str, Any]:
    """One line of a report, parsed; AssertionError naming what is wrong with it."""
    assert line.endswith("}"), f"not a whole JSON object: {line!r}"
    event = json.loads(line)
    assert isinstance(event, dict), line
    assert event.get("v") == VERSION, f"version {event.get('v')!r}: {line}"
    assert set(event) <= _TOP, f"undocumented keys {set(event) - _TOP}: {line}"
    assert _ALWAYS <= set(event), f"missing keys {_ALWAYS - set(event)}: {line}"
    assert _TIME.match(event["time"]), line
    assert isinstance(event["pid"], int) and event["pid"] > 0, line
    assert event["decision"] in _DECISIONS, line
    assert event["layer"] in _LAYERS, line
    operations = _VOCABULARY.get(event["capability"])
    assert operations is not None, f"undocumented capability: {line}"
    assert event["operation"] in operations, f"undocumented operation: {line}"
    for key in ("program", "flag"):
        assert isinstance(event.get(key, ""), str) and event.get(key) != "", line
    detail = event["detail"]
    assert isinstance(detail, dict) and set(detail) <= set(_DETAIL), line
    for key, value in detail.items():
        assert isinstance(value, _DETAIL[key]), line
        assert value != "", line
    if "port" in detail:
        assert 0 <= detail["port"] <= 65535, line
    if "frame" in event:
        frame = event["frame"]
        assert set(frame) == {"file", "line", "function"}, line
        assert isinstance(frame["file"], str) and isinstance(frame["function"], str), line
        assert isinstance(frame["line"], int) and frame["line"] >= 0, line
    for key in ("truncated", "lossy"):
        assert event.get(key, True) is True, line
    return event


def read_report(path: str | Path) -> list[dict[str, Any]]:
    """Every line of the report file at `path`, each checked; the file must end with a line
    break (a line is written whole or not at all)."""
    text = Path(path).read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"a partial last line: {text[-200:]!r}"
    return [check_line(line) for line in text.splitlines()]
