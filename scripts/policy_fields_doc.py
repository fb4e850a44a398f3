"""Print (or, with --write, refresh) what is derived from the policy's field table: the table
of fields in docs/policy.md and the JSON Schema of policy files the package ships
(python/hermetic/policy-file.schema.json, for editors).

Both come from the core's field table (include/hermetic/policy_fields.hpp) through the
extension, so they cannot drift from it; tests/python/test_policy_fields.py checks they are
current.
"""

from __future__ import annotations

import json
import pathlib
import sys

from hermetic import _hermetic

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "policy.md"
SCHEMA = ROOT / "python" / "hermetic" / "policy-file.schema.json"
BEGIN = "<!-- policy-fields:begin (scripts/policy_fields_doc.py --write) -->"
END = "<!-- policy-fields:end -->"

LAYERS = {"kernel": "kernel", "in_process": "in-process", "both": "kernel + in-process"}


def table() -> str:
    rows = [
        "| key (API keyword, JSON) | command line | type | role | enforced by | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for key, type_, role, layer, options, metavar, help_, exception_to, implies in (
        _hermetic.policy_fields()
    ):
        value = "" if type_ == "flag" else (f"[={metavar}]" if type_ == "path" else f" {metavar}")
        flags = ", ".join(f"`--{o}{value}`" for o in options)
        what = help_
        if exception_to:
            what += f" (an exception to `{exception_to}`)"
        if implies:
            what += f" (sets `{implies}`)"
        rows.append(f"| `{key}` | {flags} | {type_} | {role} | {LAYERS[layer]} | {what} |")
    return "\n".join(rows)


def schema() -> str:
    """The JSON Schema of a policy file (hermetic.toml, or pyproject.toml's [tool.hermetic])."""
    strings = {"type": "array", "items": {"type": "string"}}
    kinds = {"flag": {"type": "boolean"}, "names": strings, "paths": strings,
             "path": {"type": "string"},
             "pins": {"type": "array", "items": {"type": "string", "pattern": "^[^:]+:.+$"}}}
    fields: dict[str, object] = {}
    for key, type_, _role, _layer, options, _metavar, help_, *_ in _hermetic.policy_fields():
        fields[key] = {**kinds[type_], "description": f"{help_} (--{options[0]})"}
    fields["profiles"] = {**strings, "description": "Presets to start from.",
                          "items": {"enum": list(_hermetic.profile_names())}}
    fields["extends"] = {"type": "string",
                         "description": "Another policy of this file to start from."}
    policy = {"type": "object", "properties": fields, "additionalProperties": False}
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hermetic policy file",
        "description": "hermetic.toml, or [tool.hermetic] in pyproject.toml (docs/policy-files.md)",
        "type": "object",
        "properties": {
            "default": {"type": "string",
                        "description": "The policy --policy uses without a name."},
            "policies": {"type": "object", "additionalProperties": policy},
        },
        "additionalProperties": False,
    }
    return json.dumps(document, indent=2) + "\n"


def refreshed(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(refreshed(DOC.read_text()))
        SCHEMA.write_text(schema())
    elif sys.argv[1:] == ["--schema"]:
        sys.stdout.write(schema())
    else:
        print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
