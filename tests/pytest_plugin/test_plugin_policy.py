"""The plugin's policy of a test: markers on tests, classes and modules, the run's default
(options, ini, policy file), the hermetic_policy fixture, and how a refusal is reported.

Judged by side effect: connections the outer listener counts, files in `marks`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plugin_helpers import QUIET, line_of

CONNECT = """
import os, socket, pytest

def connect(name):
    with open(os.path.join(MARKS_DIR, name), "w"):
        pass  # proof that the test ran
    with socket.create_connection(("127.0.0.1", LISTENER_PORT), timeout=30):
        pass
"""


def test_inert_without_options_or_markers(inner, listener, marks: Path) -> None:
    result = inner(CONNECT + """
def test_plain():
    connect("plain")
    with open(os.path.join(MARKS_DIR, "pid"), "w") as f:
        f.write(str(os.getpid()))
""")
    result.assert_outcomes(passed=1)
    assert listener.settle().tcp == 1
    assert (marks / "pid").read_text() == str(os.getpid())  # ran here, not in a child


# In-process levels hold every thread of the process, the outer listener's too (its accept()
# makes a socket): with --hermetic-isolation=off, the tests that reach the listener come after
# every test that blocks the network, so that no level is in force while it accepts.
def test_marker_closest_wins_per_field(inner, listener, marks: Path) -> None:
    result = inner(CONNECT + """
pytestmark = pytest.mark.hermetic(block_network=True)

def test_module_level():
    connect("module")

@pytest.mark.hermetic(block_network=False, deny_imports=["xml"])
class TestWidened:
    @pytest.mark.hermetic(block_network=True)
    def test_function_level(self):
        connect("function")

    def test_class_level(self):
        connect("class")
""", "--hermetic-isolation=off")
    result.assert_outcomes(passed=1, failed=2)
    assert sorted(p.name for p in marks.iterdir()) == ["class", "function", "module"]
    assert listener.settle().tcp == 1  # the class's test alone
    out = result.stdout.str()
    assert "block_network from @pytest.mark.hermetic(block_network=True) on " \
        "test_inner.py::TestWidened::test_function_level" in out
    assert "block_network from @pytest.mark.hermetic(block_network=True) on test_inner.py\n" in out


def test_refusal_names_the_line_and_the_option(inner, listener) -> None:
    source = CONNECT + """
def test_refused():
    x = 1
    socket.create_connection(("127.0.0.1", LISTENER_PORT), timeout=30)

def test_caught():
    try:
        connect("caught")
    except OSError:
        pass

def test_raises():
    with pytest.raises(PermissionError):
        connect("raises")
"""
    result = inner(source, "--hermetic-block-network")
    result.assert_outcomes(passed=2, failed=1)
    assert listener.settle().tcp == 0
    result.stdout.fnmatch_lines([
        "*- hermetic -*",
        "refused: network disabled*",
        f"by the call at test_inner.py:{line_of(source, 'x = 1') + 1}: "
        'socket.create_connection(("127.0.0.1", *',
        "refused by block_network from --hermetic-block-network",
    ])


def test_run_default_from_ini_and_widened_by_marker_and_fixture(
    inner, pytester: pytest.Pytester, listener
) -> None:
    pytester.makeini("[pytest]\nhermetic_block_network = true\n")
    result = inner(CONNECT + """
@pytest.fixture
def online(hermetic_policy):
    hermetic_policy.update(block_network=False)

def test_default():
    connect("default")

@pytest.fixture
def no_processes(hermetic_policy):
    hermetic_policy.update(block_subprocess=True)

def test_tightened(no_processes):
    import subprocess
    subprocess.run(["true"], check=False)

@pytest.mark.hermetic(block_network=False)
def test_marker():
    connect("marker")

def test_fixture(online):
    connect("fixture")
""", "--hermetic-isolation=off")
    result.assert_outcomes(passed=2, failed=2)
    assert listener.settle().tcp == 2
    result.stdout.fnmatch_lines(["*block_network from ini hermetic_*",
                                 "*block_subprocess from the hermetic_policy fixture*"])


def test_policy_file_by_name(inner, pytester: pytest.Pytester, listener, marks: Path) -> None:
    pytester.path.joinpath("hermetic.toml").write_text(
        '[policies.offline]\nblock_network = true\n\n'
        '[policies.writes]\nfs_readonly = true\n')
    source = CONNECT + """
def test_net():
    connect("net")

@pytest.mark.hermetic(policy="writes")
def test_write(tmp_path):
    (tmp_path / "ok").write_text("fine")
    import tempfile
    with tempfile.TemporaryFile() as f:
        f.write(b"fine")
    with open(os.path.join(MARKS_DIR, "outside"), "w") as f:
        f.write("leak")
"""
    result = inner(source, "--hermetic-policy=offline", "--hermetic-isolation=off")
    result.assert_outcomes(failed=2)
    assert listener.settle().tcp == 0
    assert not (marks / "outside").exists()
    result.stdout.fnmatch_lines([
        "*block_network from --hermetic-policy=offline*",
        "by the call at test_inner.py:*: with open(os.path.join(*, \"outside\"), \"w\") as f:",
        "*fs_readonly from @pytest.mark.hermetic(policy='writes')*",
    ])
    # The same default from the ini file; the fixture gives one test its network back.
    pytester.makeini("[pytest]\nhermetic_policy = offline\n")
    result = inner(source + """
@pytest.fixture
def online(hermetic_policy):
    hermetic_policy.update(block_network=False)

def test_online(online):
    connect("online")
""", "--hermetic-isolation=off")
    result.assert_outcomes(passed=1, failed=2)
    assert listener.settle().tcp == 1
    result.stdout.fnmatch_lines(["*block_network from ini hermetic_policy=offline*"])


def test_bad_keyword_is_one_line(inner) -> None:
    result = inner("""
import pytest

@pytest.mark.hermetic(block_netwerk=True)
def test_typo():
    pass
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown or unusable keyword 'block_netwerk'*"])


def test_bad_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(*QUIET, "--hermetic-policy=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "hermetic:" in result.stderr.str()


def test_fixture_update_from_the_test_itself_is_an_error(inner) -> None:
    result = inner("""
import pytest

def test_late(hermetic_policy):
    hermetic_policy.update(block_network=False)

@pytest.mark.hermetic(sealed=True)
def test_sealed():
    pass
""")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*hermetic_policy.update() after the test started*",
                                 "*unknown or unusable keyword 'sealed'*"])


def test_named_by_p_when_plugins_are_not_autoloaded(
    inner, listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    source = CONNECT + """
def test_net():
    connect("net")
"""
    result = inner(source, "-p", "hermetic", "-p", "asyncio", "--hermetic-block-network")
    result.assert_outcomes(failed=1)
    assert listener.settle().tcp == 0
    result = inner(source, "-p", "asyncio", "--hermetic-block-network")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
