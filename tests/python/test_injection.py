"""The entry point for the CLI's injection (issue 6): install_json at interpreter start."""

from __future__ import annotations

import json
import subprocess
import sys


def test_install_json_from_a_bootstrap_guards_the_main_program(tmp_path):
    boot = tmp_path / "boot"
    boot.mkdir()
    policy = {"block_network": True, "block_code_exec": True, "trace": True}
    (boot / "sitecustomize.py").write_text(
        "from hermetic.blocker import install_json\n"
        f"install_json({json.dumps(json.dumps(policy))})\n"
    )
    script = tmp_path / "main.py"
    script.write_text(
        "import socket, collections\n"
        "from hermetic import PolicyViolation\n"
        "collections.namedtuple('P', 'a')\n"
        "print('main ran')\n"
        "for attempt in (lambda: eval('1'), lambda: socket.socket()):\n"
        "    try:\n"
        "        attempt()\n"
        "    except PolicyViolation as e:\n"
        "        print('blocked', e.guard)\n"
    )
    env = {"PYTHONPATH": str(boot), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main ran", "blocked code_exec", "blocked network"]
    assert result.stderr.splitlines() == [
        "[hermetic] blocked action: dynamic code execution disabled: eval",
        "[hermetic] blocked action: network disabled: socket(AF_INET)",
    ]
