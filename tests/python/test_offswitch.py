"""The layer does not hand its own off-switch to the code it guards (issue 14, item 8): lifting
a level, or re-basing what the interpreter guard watches, takes the token the blocker got from
push(), which the guarded code never sees. Each attempt runs in a child Python and is judged by
a file the guarded code manages to write, or a module it manages to import, after trying."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from hermetic import _hermetic, hermetic_blocker


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env})


def test_guarded_code_cannot_pop_the_level(tmp_path):
    marker = tmp_path / "written"
    proc = run_python("""
        import os
        from hermetic import _hermetic, hermetic_blocker

        def guarded():
            for guess in range(200):  # every small integer as a token
                try:
                    _hermetic.pop(guess)
                except TypeError:
                    pass
            try:
                open(os.environ["MARKER"], "w").close()
            except Exception:
                pass

        with hermetic_blocker(fs_readonly=True):
            guarded()
        print("left the block")
    """, MARKER=str(marker))
    assert "left the block" in proc.stdout, proc.stderr
    assert not marker.exists()


def test_guarded_code_cannot_stop_list_watching(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "planted_offswitch.py").write_text(
        "import os\nopen(os.environ['MARKER'], 'w').close()\n")
    proc = run_python("""
        import os, sys
        from hermetic import _hermetic, hermetic_blocker

        def guarded():
            for args in ((None,), (None, 1)):
                try:
                    _hermetic.watch_interpreter_lists(*args)
                except TypeError:
                    pass
            list.insert(sys.path, 0, os.environ["PLANTED"])  # past the guarded copy
            try:
                import planted_offswitch
            except Exception:
                pass

        with hermetic_blocker(block_interpreter_mutation=True):
            guarded()
        print("left the block")
    """, MARKER=str(marker), PLANTED=str(tmp_path))
    assert "left the block" in proc.stdout, proc.stderr
    assert not marker.exists()


def test_a_token_cannot_be_made_or_copied():
    import copy
    import pickle

    with hermetic_blocker(fs_readonly=True) as blocker:
        token = blocker._tokens[-1]
        for attempt in (lambda: type(token)(), lambda: copy.copy(token),
                        lambda: pickle.loads(pickle.dumps(token))):
            with pytest.raises(TypeError):
                attempt()
    assert not _hermetic.pop(token)  # already gone: the blocker popped it
