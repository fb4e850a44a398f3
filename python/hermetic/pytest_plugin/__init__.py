"""hermetic's pytest plugin: per-test policies, enforced in-process and, where the policy has a
kernel part, in the kernel of a forked child (docs/pytest-plugin.md).

Loaded through the ``pytest11`` entry point (``-p hermetic`` names it); inert until asked: with
no ``--hermetic-*`` option, ``hermetic_*`` ini option, ``hermetic`` marker or pytest-socket name
in use, every test runs as without it. Asked, the test's call phase (not its fixtures) runs
under the test's policy (policy.py says how markers, options and fixtures combine):

- a policy with a kernel part (the network and its exceptions, new processes, read-only files)
  runs the call phase in a forked child that applies that part to itself, the calls only a
  supervisor can decide served from a thread of this process (isolate.py);
  ``--hermetic-isolation=off`` keeps every test in-process;
- the in-process level (the audit hook) is pushed around the test itself, in the child or here;
- a refusal that fails the test adds a ``hermetic`` section to the failure naming the test's
  line that made the call and the marker or option that refused it (refusal.py).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import warnings
from collections.abc import Generator, Mapping
from typing import Any

import pytest

from hermetic import _hermetic
from hermetic.blocker import _pop, _push
from hermetic.pytest_plugin import isolate, options, refusal, socket_names
from hermetic.pytest_plugin.policy import Layer, TestPolicy, layer_from_keywords, start_dir

__all__ = ["PolicyFixture"]

_SOCKET_NAMES = "hermetic-socket-names"


class _State:
    """What the plugin knows about the run (kept in config.stash, never module-global)."""

    def __init__(self, config: pytest.Config) -> None:
        self.run_layers = options.run_layers(config)
        self.isolate = options.isolation(config)
        self.socket_names = config.pluginmanager.has_plugin(_SOCKET_NAMES)
        self.socket_options = self.socket_names and socket_names.asked(config)
        self.start = start_dir(config.rootpath)
        self.cache: dict[str, Layer] = {}
        # A test's policy by the layers it is made of (the same objects, from the caches above):
        # most tests of a run share one.
        self.policies: dict[tuple[int, ...], TestPolicy] = {}
        # Kernel parts prepared for forked children (rulesets opened, filter compiled), once per
        # policy; a read-only one gets the test's own places added per test (with_writable).
        self.isolations: dict[str, _hermetic.Isolation | None] = {}
        self._supervised: bool | None = None

    def isolation(self, policy: TestPolicy, writable: list[str]) -> _hermetic.Isolation | None:
        """The test's kernel part prepared for a forked child; None when it has none."""
        if not self.isolate or not policy.isolated():
            return None
        supervised = not policy.needs_supervisor() or self.supervised()
        # By content: a marker on each test of a parametrized function is a policy of its own,
        # with the same kernel part as its neighbours'.
        key = policy.kernel_key(supervised)
        if key not in self.isolations:
            part = policy.kernel_part([], supervised)
            self.isolations[key] = _hermetic.prepare_isolation(part) if part else None
        found = self.isolations[key]
        if found is not None and policy.readonly() and supervised:
            # The test's own places: its Landlock rulesets, the filter compiled once above.
            return found.with_writable(writable)
        return found

    def supervised(self) -> bool:
        """Whether a child's filter may have a listener for this process to serve: not when
        pytest runs under a supervised filter already (a hermetic command with exceptions; the
        kernel allows one listener in a chain). Then only the unsupervised part (as sealing's)
        goes to the kernel, the rest stays in-process. Tried once, in a throwaway fork."""
        if self._supervised is None:
            self._supervised = _hermetic.listener_available()
        return self._supervised

    def marker_layer(self, source: str, kwargs: Mapping[str, Any]) -> Layer:
        key = f"{source}|{kwargs!r}"
        if key not in self.cache:
            self.cache[key] = layer_from_keywords(source, kwargs, self.start)
        return self.cache[key]

    def same_layer(self, layer: Layer) -> Layer:
        """The cached layer equal to `layer` (pytest-socket's names make a new one per test)."""
        return self.cache.setdefault(f"{layer.source}|{layer.values!r}", layer)

    def policy(self, layers: list[Layer]) -> TestPolicy:
        key = tuple(id(layer) for layer in layers)
        found = self.policies.get(key)
        if found is None or found.layers != layers:
            found = self.policies[key] = TestPolicy(layers)
        return found


_STATE = pytest.StashKey[_State]()
_FIXTURE_LAYERS = pytest.StashKey[list[Layer]]()
_STARTED = pytest.StashKey[bool]()
_INPROC = pytest.StashKey[tuple[TestPolicy, list[str]]]()
_CHILD = pytest.StashKey[tuple[int, list[warnings.WarningMessage]]]()
_CHILD_OUTCOME = pytest.StashKey[isolate.Outcome]()
_POLICY = pytest.StashKey[TestPolicy]()


def _pytest_socket_installed(pluginmanager: pytest.PytestPluginManager) -> bool:
    if pluginmanager.is_blocked("socket") or pluginmanager.is_blocked("pytest_socket"):
        return False
    return importlib.util.find_spec("pytest_socket") is not None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """hermetic's options; pytest-socket's names unless pytest-socket is there to serve them."""
    options.add_options(parser)
    if not _pytest_socket_installed(pluginmanager) and not pluginmanager.has_plugin(
        _SOCKET_NAMES
    ):
        pluginmanager.register(socket_names, _SOCKET_NAMES)


def pytest_configure(config: pytest.Config) -> None:
    """The marker and the run's default."""
    config.addinivalue_line(
        "markers",
        "hermetic(**policy): run the test under this hermetic policy: the keywords of "
        "hermetic.with_hermetic, or policy=NAME of the policy file (docs/pytest-plugin.md)",
    )
    config.stash[_STATE] = _State(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    """Says once that pytest-socket's names are pytest-socket's: a header line, not a warning,
    which a run with ``-W error`` would turn into a failure."""
    if config.pluginmanager.has_plugin(_SOCKET_NAMES):
        return None
    return ("hermetic: pytest-socket is installed, so --disable-socket, --allow-hosts, "
            "the markers disable_socket/enable_socket/allow_hosts and the fixtures "
            "socket_disabled/socket_enabled are pytest-socket's, not hermetic's "
            "(use @pytest.mark.hermetic and --hermetic-* for hermetic's)")


class PolicyFixture:
    """The ``hermetic_policy`` fixture: widen or tighten the policy of the test that uses it.

    ``hermetic_policy.update(block_network=False)`` (from the test's fixtures, before the test
    runs) names fields as a marker on the test would, and wins over every marker and option.
    The current policy of the test is ``hermetic_policy.values`` (a dict).
    """

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def update(self, **kwargs: Any) -> None:
        """Set fields of this test's policy (the keywords of ``with_hermetic``)."""
        if self._item.stash.get(_STARTED, False):
            raise RuntimeError(
                "hermetic_policy.update() after the test started: its policy is in force; "
                "call it from a fixture, or tighten with hermetic.hermetic_blocker"
            )
        state = self._item.config.stash[_STATE]
        layer = layer_from_keywords("the hermetic_policy fixture", kwargs, state.start)
        self._item.stash.setdefault(_FIXTURE_LAYERS, []).append(layer)

    @property
    def values(self) -> dict[str, Any]:
        """The fields of the test's policy as they stand."""
        policy = _test_policy(self._item)
        return dict(policy.values) if policy is not None else TestPolicy([]).values


@pytest.fixture
def hermetic_policy(request: pytest.FixtureRequest) -> PolicyFixture:
    """Widen or tighten this test's hermetic policy: ``hermetic_policy.update(**fields)``."""
    return PolicyFixture(request.node)


_MARKERS = frozenset({"hermetic", "enable_socket", "disable_socket", "allow_hosts"})
_FIXTURES = frozenset({"socket_enabled", "socket_disabled"})


_NODE_ASKS = pytest.StashKey[bool]()


def _node_asks(node: pytest.Item | pytest.Collector | None) -> bool:
    """Whether a collector or one above it carries a marker of ours; found once per node."""
    if node is None:
        return False
    found = node.stash.get(_NODE_ASKS, None)
    if found is None:
        found = any(m.name in _MARKERS for m in node.own_markers) or _node_asks(node.parent)
        node.stash[_NODE_ASKS] = found
    return found


def _asks(item: pytest.Item, state: _State) -> bool:
    """Whether anything of the item speaks of a policy (the plugin's cost for other tests)."""
    if state.run_layers or state.socket_options or _FIXTURE_LAYERS in item.stash:
        return True
    if any(m.name in _MARKERS for m in item.own_markers) or _node_asks(item.parent):
        return True
    return state.socket_names and not _FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def _test_policy(item: pytest.Item) -> TestPolicy | None:
    """The test's policy, or None when nothing speaks of one."""
    state = item.config.stash[_STATE]
    if not _asks(item, state):
        return None
    layers = list(state.run_layers)
    if state.socket_names:
        compat = socket_names.layer(item)
        if compat is not None:
            layers.append(state.same_layer(compat))
    marks = list(item.iter_markers_with_node("hermetic"))
    for node, mark in reversed(marks):  # farthest (module) first
        if mark.args:
            raise TypeError("@pytest.mark.hermetic takes keywords only")
        source = f"@pytest.mark.hermetic({_kw_text(mark.kwargs)}) on {node.nodeid or '.'}"
        layers.append(state.marker_layer(source, mark.kwargs))
    fixture_layers = item.stash.get(_FIXTURE_LAYERS, None)
    if fixture_layers:
        layers.extend(fixture_layers)
    return state.policy(layers) if layers else None


def _kw_text(kwargs: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _writable(item: pytest.Item) -> list[str]:
    """The test's own temporary directories, which stay writable under fs_readonly."""
    funcargs = getattr(item, "funcargs", None) or {}
    return [str(funcargs[name]) for name in ("tmp_path", "tmpdir") if name in funcargs]


class _PrivateTmp:
    """Under fs_readonly: a fresh TMPDIR for the test (tempfile and $TMPDIR), writable, removed
    afterwards, as the hermetic CLI gives its target."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="hermetic-test-")
        self._saved = (tempfile.tempdir, os.environ.get("TMPDIR"))
        tempfile.tempdir = self.path
        os.environ["TMPDIR"] = self.path

    def close(self) -> None:
        tempfile.tempdir, env = self._saved
        if env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = env
        shutil.rmtree(self.path, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test run again (pytest-rerunfailures) starts without the last run's fixture layers."""
    if _STARTED in item.stash:
        del item.stash[_STARTED]
        if _FIXTURE_LAYERS in item.stash:
            del item.stash[_FIXTURE_LAYERS]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Outermost around the call phase: decide where the test runs, fork when it needs the
    kernel layer."""
    item.stash[_STARTED] = True
    policy = _test_policy(item)
    if policy is None or not policy.active():
        return (yield)
    item.stash[_POLICY] = policy
    private = _PrivateTmp() if policy.readonly() else None
    writable = _writable(item) + ([private.path] if private else [])
    try:
        state = item.config.stash[_STATE]
        isolation = state.isolation(policy, writable)
        if isolation is None:
            item.stash[_INPROC] = (policy, writable)
            return (yield)
        child, write_fd, handoff = isolate.fork(isolation)
        if child is None:  # the child: this process ends in pytest_runtest_makereport
            private = None  # the parent removes it
            with warnings.catch_warnings(record=True) as log:
                item.stash[_CHILD] = (write_fd, log)
                handoff.enter()
                item.stash[_INPROC] = (policy, writable)
                try:
                    return (yield)
                except (KeyboardInterrupt, pytest.exit.Exception) as err:
                    # pytest lets these through its call phase; here they would leave the child
                    # running the rest of the session. The child's report says what happened.
                    raise RuntimeError(
                        f"{type(err).__name__} in a test isolated in a child process: {err}"
                    ) from err
        outcome = child.result(item.config)
        item.stash[_CHILD_OUTCOME] = outcome
        item.runtest = _ran_elsewhere(outcome.why)  # type: ignore[method-assign]
        try:
            return (yield)
        finally:
            del item.runtest
    finally:
        if private is not None:
            private.close()


def _ran_elsewhere(why: str) -> Any:
    def runtest() -> None:
        if why:
            pytest.fail(why, pytrace=False)

    return runtest


@pytest.hookimpl(specname="pytest_runtest_call", wrapper=True, trylast=True)
def pytest_runtest_call_level(item: pytest.Item) -> Generator[None, object, object]:
    """Innermost around the test itself: the in-process level."""
    inproc = item.stash.get(_INPROC, None)
    if inproc is None:
        return (yield)
    del item.stash[_INPROC]
    policy, writable = inproc
    token = _push(policy.in_process(writable))
    try:
        return (yield)
    finally:
        _pop(token)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """The call phase's report: the child's, when the test ran in one; with the refusal named."""
    report = yield
    if call.when != "call":
        return report
    policy = item.stash.get(_POLICY, None)
    child = item.stash.get(_CHILD, None)
    if child is not None:  # the child: hand the report over and end, whatever happens
        try:
            if policy is not None and call.excinfo is not None:
                refusal.describe(item, call.excinfo, policy, report)
            write_fd, log = child
            isolate.send(item.config, write_fd, report, list(log))
        finally:
            isolate.exit_child()
    if policy is not None and call.excinfo is not None:
        refusal.describe(item, call.excinfo, policy, report)
    outcome = item.stash.get(_CHILD_OUTCOME, None)
    if outcome is None:
        return report
    del item.stash[_CHILD_OUTCOME]
    if outcome.report is not None:
        item.user_properties[:] = outcome.report.user_properties
        return outcome.report
    if outcome.passed is not None:  # this report of the empty call phase, with the child's times
        report.duration, report.start, report.stop = outcome.passed
    outcome.add_refusals(report)
    return report
