"""Print (or, with --write, refresh) the table of the policy's fields in docs/policy.md.

The table comes from the core's field table (include/hermetic/policy_fields.hpp) through the
extension, so the docs cannot drift from it; tests/python/test_policy_fields.py checks the file
is current.
"""

from __future__ import annotations

import pathlib
import sys

from hermetic import _hermetic

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "policy.md"
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


def refreshed(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(refreshed(DOC.read_text()))
    else:
        print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
