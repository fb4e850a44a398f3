"""The public API of hermetic-seal 1.0.0: names, parameters, defaults, documented behaviour."""

from __future__ import annotations

import inspect
import subprocess
import sys

import hermetic
import pytest
from hermetic import BlockConfig, PolicyViolation, hermetic_blocker, with_hermetic
from hermetic.errors import HermeticError
from hermetic.errors import PolicyViolation as PolicyViolationFromErrors
from hermetic.profiles import PROFILES, GuardConfig, apply_profile


def test_exports():
    assert PolicyViolation is PolicyViolationFromErrors
    assert issubclass(PolicyViolation, HermeticError)
    assert issubclass(HermeticError, RuntimeError)
    for name in ("hermetic_blocker", "with_hermetic", "__version__"):
        assert name in hermetic.__all__


def test_hermetic_blocker_signature_matches_the_original():
    params = inspect.signature(hermetic_blocker).parameters
    assert list(params) == [
        "_config",
        "block_network",
        "block_subprocess",
        "fs_readonly",
        "fs_root",
        "block_environment",
        "block_code_exec",
        "block_interpreter_mutation",
        "block_native",
        "allow_localhost",
        "allow_domains",
        "deny_imports",
        "trace",
        "sealed",
        "profile",
        "keep_env",  # hermetic's own, after the original's
        "allow_write",
        "allow_read",
        "resolve",
        "allow_connect",
        "allow_bind",
        "allow_exec",
        "policy",
        "policy_file",
        "report",
    ]
    assert all(p.kind is p.KEYWORD_ONLY for n, p in params.items() if n != "_config")
    defaults = {n: p.default for n, p in params.items()}
    assert defaults["fs_root"] is None and defaults["profile"] is None
    assert defaults["allow_domains"] == () and defaults["deny_imports"] == ()
    assert defaults["block_network"] is False and defaults["sealed"] is False


def test_policy_violation_attributes():
    e = PolicyViolation("m", guard="network", target="h")
    assert (str(e), e.guard, e.target) == ("m", "network", "h")
    assert PolicyViolation("m").guard is None


def test_violation_classes_look_like_the_originals():
    """Made by the native module, they still read like hermetic-seal's Python classes."""
    from hermetic.errors import ImportPolicyViolation, ReadOutsideRootViolation

    for cls in (PolicyViolation, ImportPolicyViolation, ReadOutsideRootViolation):
        assert cls.__module__ == "hermetic.errors"
        assert str(inspect.signature(cls)) == "(message, *, guard=None, target=None)"
    denied = ImportPolicyViolation("import blocked: json", guard="imports", target="json")
    assert isinstance(denied, ImportError) and (denied.name, denied.msg) == (
        "json", "import blocked: json")
    outside = ReadOutsideRootViolation("read outside sandbox root: /x", target="/x")
    assert isinstance(outside, PermissionError) and outside.filename == "/x"
    assert str(outside) == "read outside sandbox root: /x"


def test_block_config_defaults_and_aliases():
    cfg = BlockConfig()
    assert cfg.allow_domains == [] and cfg.fs_root is None and cfg.sealed is False
    cfg = BlockConfig.from_kwargs(no_network=True, no_env=True, no_subprocess=True)
    assert cfg.block_network and cfg.block_environment and cfg.block_subprocess
    cfg = BlockConfig.from_kwargs(no_code_exec=True, no_interpreter_mutation=True)
    assert cfg.block_code_exec and cfg.block_interpreter_mutation
    with pytest.raises(TypeError, match="Unknown argument"):
        BlockConfig.from_kwargs(bogus=True)
    assert BlockConfig(True) == BlockConfig(block_network=True)


def test_block_config_merge():
    a = BlockConfig(block_network=True, allow_domains=["a.test"], fs_root="/a")
    b = BlockConfig(fs_readonly=True, allow_domains=["b.test", "a.test"])
    m = a | b
    assert m.block_network and m.fs_readonly
    assert m.allow_domains == ["a.test", "b.test"]
    assert m.fs_root == "/a" and (b | a).fs_root == "/a"
    assert m == a.merged_with(b)


def test_block_config_merge_refuses_two_read_roots():
    """hermetic-seal kept the second root, silently dropping the first confinement; the core's
    one union rule (every face) refuses two different roots instead."""
    a = BlockConfig(fs_root="/a")
    with pytest.raises(ValueError, match="only one read root may be given"):
        a | BlockConfig(fs_root="/b")
    assert (a | BlockConfig(fs_root="/a")).fs_root == "/a"


def test_positional_config_and_type_check(tmp_path):
    with hermetic_blocker(BlockConfig(fs_readonly=True)):
        with pytest.raises(PolicyViolation):
            open(tmp_path / "x", "w")
    with pytest.raises(TypeError, match="BlockConfig"):
        hermetic_blocker({"block_network": True})  # type: ignore[arg-type]


def test_profiles():
    assert set(PROFILES) == {
        "block-all",
        "net-hermetic",
        "exec-deny",
        "fs-readonly",
        "block-native",
    }
    assert isinstance(PROFILES["net-hermetic"], GuardConfig)
    assert PROFILES["net-hermetic"].block_network and PROFILES["net-hermetic"].allow_localhost
    merged = apply_profile(GuardConfig(), "exec-deny")
    assert merged.no_subprocess
    with pytest.raises(ValueError, match="Unknown hermetic profile"):
        hermetic_blocker(profile="nope")


def test_profile_is_merged_with_keywords(tmp_path):
    with hermetic_blocker(profile="exec-deny", fs_readonly=True):
        with pytest.raises(PolicyViolation):
            subprocess.run(["true"])
        with pytest.raises(PolicyViolation):
            open(tmp_path / "x", "w")


def test_with_hermetic_is_hermetic_blocker(tmp_path):
    @with_hermetic(fs_readonly=True)
    def write() -> None:
        open(tmp_path / "x", "w")

    with pytest.raises(PolicyViolation):
        write()
    with pytest.raises(TypeError):
        with_hermetic(bogus=True)


def test_allow_lists_without_block_network_are_ignored(listener):
    from socket import create_connection

    with hermetic_blocker(allow_localhost=True, allow_domains=["a.test"]):
        create_connection(listener.address, timeout=2).close()
    assert listener.settled_count() == 1


def test_exceptions_propagate_and_the_block_is_left():
    with pytest.raises(KeyError):
        with hermetic_blocker(fs_readonly=True):
            raise KeyError("x")
    assert hermetic._hermetic.effective()["levels"] == 0


def test_trace_prints_one_line_per_blocked_action(capsys, tmp_path):
    with hermetic_blocker(fs_readonly=True, block_environment=True, trace=True):
        with pytest.raises(PolicyViolation):
            open(tmp_path / "x", "w")
        with pytest.raises(PolicyViolation):
            __import__("os").environ["HOME"]
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"[hermetic] blocked action: filesystem readonly: {tmp_path / 'x'}",
        "[hermetic] blocked action: environment disabled: os.environ['HOME']",
    ]


def test_no_trace_by_default(capsys, tmp_path):
    with hermetic_blocker(fs_readonly=True):
        with pytest.raises(PolicyViolation):
            open(tmp_path / "x", "w")
    assert capsys.readouterr().err == ""


def test_import_hermetic_does_not_block_anything(listener):
    from socket import create_connection

    create_connection(listener.address, timeout=2).close()
    assert listener.settled_count() == 1


# --- found by an audit against hermetic-seal's API -------------------------------------------


def test_an_empty_fs_root_is_no_root(tmp_path):
    """As hermetic-seal: `fs_root=os.environ.get("ROOT", "")` means no read root."""
    (tmp_path / "f").write_text("outside")
    with hermetic_blocker(fs_root=""):
        assert (tmp_path / "f").read_text() == "outside"


def test_environment_violations_name_the_variable_in_target():
    import os

    targets = []
    with hermetic_blocker(block_environment=True):
        for action in (lambda: os.environ["HOME"], lambda: os.getenv("HOME"),
                       lambda: os.environb[b"HOME"], lambda: os.environ.update(X="1")):
            with pytest.raises(PolicyViolation) as info:
                action()
            targets.append(info.value.target)
    assert targets == ["HOME", "HOME", "HOME", None]


def test_a_read_outside_the_root_pickles_with_its_file_name(tmp_path):
    import pickle

    secret = tmp_path / "secret"
    secret.write_text("x")
    root = tmp_path / "root"
    root.mkdir()
    with hermetic_blocker(fs_root=str(root)):
        with pytest.raises(PermissionError) as info:
            open(secret)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is type(info.value)
    assert (copy.filename, copy.errno, copy.guard, copy.target, str(copy)) == (
        info.value.filename, info.value.errno, info.value.guard, info.value.target,
        str(info.value))
    assert copy.filename == str(secret)


def test_python_dash_m_hermetic_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "hermetic", "--version"], capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, f"hermetic {hermetic.__version__}\n")
