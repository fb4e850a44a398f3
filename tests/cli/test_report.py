"""--report FILE: one JSON line per refusal, from every layer (docs/report.md), judged by the
file's lines (each checked against the documented format by report_format), never by what the
target prints. One run each; the concurrency test starts six Pythons at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from report_format import check_line, read_report

PY = sys.executable
TRACE = "[hermetic] blocked action: "


def traced(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(TRACE)]


def test_curl_refused_by_the_supervisor(run_hermetic, listener, tmp_path):
    report = tmp_path / "report.jsonl"
    closed = socket.socket()  # a port nobody listens on: bound, never listening
    closed.bind(("127.0.0.1", 0))
    with closed:
        port = closed.getsockname()[1]
        proc = run_hermetic(["--no-network", f"--allow-connect=127.0.0.1:{listener.port}",
                             "--trace", "--report", report, "--",
                             "curl", "-s", "--max-time", "5", f"http://127.0.0.1:{port}/"])
    assert proc.returncode == 7, proc.stderr  # curl: could not connect
    (event,) = read_report(report)
    assert event["layer"] == "supervisor"
    assert (event["capability"], event["operation"], event["decision"]) == (
        "network", "connect", "refused")
    assert event["detail"] == {"address": "127.0.0.1", "port": port}
    assert event["program"].endswith("/curl")
    assert event["flag"] == "--no-network"
    # One event, one --trace line: the same refusal in words.
    assert traced(proc.stderr) == [f"{TRACE}network disabled: connect(127.0.0.1:{port})"]
    assert listener.settle().total == 0


def test_python_refused_in_process_names_the_programs_line(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    script = tmp_path / "client.py"
    script.write_text(textwrap.dedent("""\
        import socket


        def reach():
            socket.create_connection(("127.0.0.1", 9), 5)


        try:
            reach()
        except OSError:
            pass
    """))
    proc = run_hermetic(["--no-network", "--trace", "--report", report, "--", PY, script])
    assert proc.returncode == 0, proc.stderr
    events = read_report(report)
    assert len(events) == len(traced(proc.stderr)) == 1, proc.stderr
    (event,) = events
    assert (event["layer"], event["capability"], event["flag"]) == (
        "inprocess", "network", "--no-network")
    # The first frame outside the standard library (socket.py) and hermetic: the script's own.
    assert event["frame"] == {"file": str(script), "line": 5, "function": "reach"}
    assert event["pid"] != os.getpid()


def test_a_program_refused_new_processes_is_reported_by_the_supervisor(run_hermetic, c_helpers,
                                                                       tmp_path):
    report = tmp_path / "report.jsonl"
    marker = tmp_path / "ran"
    proc = run_hermetic(["--no-subprocess", "--trace", "--report", report, "--",
                         c_helpers["libc_spawn"], marker])
    assert proc.returncode == 0, proc.stderr  # all three refused
    assert not marker.exists()
    events = read_report(report)
    # The rows notify under --report: the supervisor writes each refusal once, the preloaded
    # library (which sees them as libc calls) only its stderr notes.
    assert len(events) == len(traced(proc.stderr)) == 3, proc.stderr
    assert [(e["layer"], e["capability"], e["operation"], e["detail"].get("path"))
            for e in events] == [
        ("supervisor", "subprocess", "fork", None),
        ("supervisor", "subprocess", "fork", None),  # posix_spawn's clone
        ("supervisor", "subprocess", "exec", "/usr/bin/touch"),
    ], events
    assert {e["program"] for e in events} == {str(c_helpers["libc_spawn"])}
    assert {e["flag"] for e in events} == {"--no-subprocess"}


def test_a_program_outside_the_allowed_ones(run_hermetic, tmp_path):
    # With --allow-exec, Landlock EXECUTE refuses the exec: judged and written by the supervisor
    # (the preloaded library, which sees it too, leaves the line to it).
    report = tmp_path / "report.jsonl"
    marker = tmp_path / "touched"
    proc = run_hermetic(["--no-subprocess", "--allow-exec=sh", "--report", report, "--",
                         "sh", "-c", 'touch "$1"; exit 0', "sh", marker])
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    events = read_report(report)  # dash tries each PATH entry that has a touch
    assert events and {(e["layer"], e["capability"], e["operation"], e["flag"],
                        e["detail"]["path"]) for e in events} == {
        ("landlock", "subprocess", "exec", "--no-subprocess", os.path.realpath("/usr/bin/touch"))}


def test_a_static_program_is_refused_as_before_and_reported(run_hermetic, c_helpers, tmp_path):
    report = tmp_path / "report.jsonl"
    data = tmp_path / "data"
    data.mkdir()
    helper = c_helpers["static_attempts"]
    proc = run_hermetic(["--no-subprocess", "--fs-readonly", "--no-network", "--report", report,
                         "--", helper, data])
    # Each refusal had the errno the BPF row or Landlock gives without --report (the helper
    # checks), clone3 kept its ENOSYS and a thread started.
    assert proc.returncode == 0, proc.stderr
    assert list(data.iterdir()) == []
    events = read_report(report)
    assert [(e["layer"], e["capability"], e["operation"], e["detail"].get("path"), e["flag"])
            for e in events] == [
        ("supervisor", "subprocess", "fork", None, "--no-subprocess"),
        ("supervisor", "subprocess", "exec", os.path.realpath("/bin/sh"), "--no-subprocess"),
        ("landlock", "fs_write", "create", str(data / "new"), "--fs-readonly"),
        ("supervisor", "network", "socket", None, "--no-network"),
    ], events
    assert events[-1]["detail"] == {"name": "AF_INET"}
    assert {e["program"] for e in events} == {str(helper)}


def test_landlock_refusals_of_programs_that_are_not_python(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    data = tmp_path / "data"
    data.mkdir()
    for name in ("old", "gone"):
        (data / name).write_text("x")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("x")
    # Refused in data; allowed in the --allow-write directory and the private TMPDIR, which must
    # give no line.
    script = ('touch "$1/new"; mkdir "$1/dir"; mv "$1/old" "$1/moved"; rm "$1/gone"; '
              'touch "$2/new" "$TMPDIR/new"; mkdir "$2/dir"; mv "$2/a" "$2/b"; rm "$2/b"; '
              'ln -s x "$1/link"; exit 0')
    proc = run_hermetic(["--fs-readonly", f"--allow-write={out}", "--report", report, "--",
                         "sh", "-c", script, "sh", data, out])
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["gone", "old"]
    assert sorted(p.name for p in out.iterdir()) == ["dir", "new"]
    events = read_report(report)
    assert [(e["layer"], e["capability"], e["operation"], e["detail"].get("path"),
             e["detail"].get("path2"), e["flag"]) for e in events] == [
        ("landlock", "fs_write", "create", str(data / "new"), None, "--fs-readonly"),
        ("landlock", "fs_write", "mkdir", str(data / "dir"), None, "--fs-readonly"),
        ("landlock", "fs_write", "rename", str(data / "old"), str(data / "moved"),
         "--fs-readonly"),
        ("landlock", "fs_write", "remove", str(data / "gone"), None, "--fs-readonly"),
        ("landlock", "fs_write", "link", str(data / "link"), "x", "--fs-readonly"),
    ], events
    assert [Path(e["program"]).name for e in events] == ["touch", "mkdir", "mv", "rm", "ln"]


def test_reads_outside_the_root_of_programs_that_are_not_python(run_hermetic, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "inside").write_text("inside\n")
    secret = tmp_path / "secret"
    secret.write_text("secret\n")
    report = tmp_path / "report.jsonl"
    # cat opens the directory too (for reading: Landlock's READ_DIR) before it fails to read it.
    proc = run_hermetic([f"--fs-readonly={root}", "--report", report, "--",
                         "cat", "inside", secret, tmp_path], cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "inside\n"
    events = read_report(report)
    # Only the refused reads: nothing the runtime, the root or the TMPDIR gave.
    assert [(e["layer"], e["capability"], e["operation"], e["detail"].get("path"), e["flag"])
            for e in events] == [
        ("landlock", "fs_read", "open", str(secret), "--fs-readonly=ROOT"),
        ("landlock", "fs_read", "list", str(tmp_path), "--fs-readonly=ROOT"),
    ], events


def test_writes_refused_from_python_and_from_a_shell(run_hermetic, tmp_path):
    report = tmp_path / "out" / "report.jsonl"
    report.parent.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    existing = data / "existing"
    existing.write_text("x")
    existing.chmod(0o644)
    code = ("import sys\ntry:\n    open(sys.argv[1], 'w')\nexcept OSError:\n    pass\n")
    python = run_hermetic(["--fs-readonly", "--report", report, "--",
                           PY, "-c", code, data / "new"])
    assert python.returncode == 0, python.stderr
    # chmod and touch's utimensat go to the supervisor, which refuses them outside the writable
    # places; touch's open for writing is Landlock's, which the supervisor reports.
    # The report itself is writable to the target, but not a writable place of the supervisor's:
    # its mode stays.
    report_mode = report.stat().st_mode & 0o777
    shell = run_hermetic(["--fs-readonly", "--report", report, "--", "sh", "-c",
                          f"chmod 600 {existing}; touch {existing}; chmod 600 {report}; exit 0"])
    assert shell.returncode == 0, shell.stderr
    assert not (data / "new").exists()
    assert existing.stat().st_mode & 0o777 == 0o644
    assert report.stat().st_mode & 0o777 == report_mode
    events = read_report(report)
    seen = [(e["layer"], e["capability"], e["operation"], e["detail"].get("path")) for e in events]
    assert seen == [
        ("inprocess", "fs_write", "open", str(data / "new")),
        ("supervisor", "fs_write", "chmod", str(existing)),
        # touch opens it for writing first (Landlock's refusal), then sets its times.
        ("landlock", "fs_write", "open", str(existing)),
        ("supervisor", "fs_write", "utime", str(existing)),
        ("supervisor", "fs_write", "chmod", str(report)),
    ], events
    assert events[1]["program"].endswith("/chmod") and events[3]["program"].endswith("/touch")
    assert {e["flag"] for e in events} == {"--fs-readonly"}


def test_a_report_outside_the_read_root_and_without_the_environment(run_hermetic, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    report = tmp_path / "elsewhere" / "report.jsonl"
    report.parent.mkdir()
    beside = report.parent / "beside"
    code = ("import socket, sys\n"
            "for attempt in (socket.socket, lambda: open('/etc/hostname'),\n"
            "                lambda: open(sys.argv[1], 'w')):\n"
            "    try:\n        attempt()\n    except OSError:\n        pass\n")
    proc = run_hermetic([f"--fs-readonly={root}", "--no-environment", "--no-network",
                         "--report", report, "--", PY, "-c", code, beside], cwd=root)
    assert proc.returncode == 0, proc.stderr
    events = read_report(report)
    assert [(e["capability"], e["operation"], e["detail"].get("path")) for e in events] == [
        ("network", "socket", None), ("fs_read", "open", "/etc/hostname"),
        ("fs_write", "open", str(beside))], events
    # The target may append to the report, and nothing more: its write beside it was refused.
    assert not beside.exists()


def test_every_in_process_capability_has_its_words(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    script = tmp_path / "attempts.py"
    script.write_text(textwrap.dedent("""\
        import os, sys
        for attempt in (
            lambda: eval("1 + 1"),
            lambda: __import__("json"),
            lambda: open("/proc/1/environ"),
            lambda: sys.path.append("/nowhere"),
            lambda: os.chdir("/"),
            lambda: __import__("ctypes"),
            lambda: os.system("true"),
            lambda: open(sys.argv[1] + "/new", "w"),
            lambda: os.rename(sys.argv[0], sys.argv[1] + "/moved"),
        ):
            try:
                attempt()
            except Exception:
                pass
    """))
    flags = ["--no-code-exec", "--deny-import", "json", "--no-environment",
             "--no-interpreter-mutation", "--block-native", "--no-subprocess", "--fs-readonly"]
    proc = run_hermetic([*flags, "--report", report, "--", PY, script, tmp_path])
    assert proc.returncode == 0, proc.stderr
    events = read_report(report)
    assert [(e["capability"], e["operation"], e["flag"]) for e in events] == [
        ("code", "exec", "--no-code-exec"),
        ("import", "import", "--deny-import"),
        ("environment", "getenv", "--no-environment"),
        ("interpreter", "mutate", "--no-interpreter-mutation"),
        ("interpreter", "chdir", "--no-interpreter-mutation"),
        ("native", "load", "--block-native"),
        ("subprocess", "exec", "--no-subprocess"),
        ("fs_write", "open", "--fs-readonly"),
        ("fs_write", "rename", "--fs-readonly"),
    ], events
    assert [e["frame"]["line"] for e in events] == list(range(3, 12))
    assert {e["frame"]["file"] for e in events} == {str(script)}
    assert not (tmp_path / "new").exists() and script.exists()


def test_concurrent_refusals_are_whole_lines(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    each = 150
    code = ("import socket\n"
            f"for _ in range({each}):\n"
            "    try:\n        socket.socket()\n    except OSError:\n        pass\n")
    procs = 6
    starts = " ".join(f'"{PY}" -c "$CODE" &' for _ in range(procs))
    proc = run_hermetic(["--no-network", "--report", report, "--",
                         "sh", "-c", f"{starts} wait"], env={"CODE": code})
    assert proc.returncode == 0, proc.stderr
    events = read_report(report)
    assert len(events) == procs * each
    assert len({e["pid"] for e in events}) == procs


def test_an_inherited_socket_refused_before_the_start(hermetic_bin, clean_env, listener, tmp_path):
    report = tmp_path / "report.jsonl"
    with socket.create_connection(("127.0.0.1", listener.port), 5) as sock:
        fd = sock.fileno()
        proc = subprocess.run([hermetic_bin, "--no-network", "--report", str(report), "--",
                               "true"], pass_fds=[fd], capture_output=True, text=True,
                              timeout=60, env=clean_env())
    assert proc.returncode == 1, proc.stderr
    (event,) = read_report(report)
    assert (event["layer"], event["capability"], event["operation"]) == (
        "cli", "network", "inherit")
    assert event["detail"]["name"] == f"fd {fd} is an inherited AF_INET socket"


def test_a_report_that_cannot_be_written_is_a_one_line_error(run_hermetic, tmp_path):
    for bad in (tmp_path / "missing" / "report.jsonl", tmp_path):
        proc = run_hermetic(["--no-network", "--report", bad, "--", "true"])
        assert proc.returncode == 1
        assert proc.stderr.startswith(f"hermetic: error: --report {bad}: ")
        assert proc.stderr.count("\n") == 1


def test_the_python_api_reports_its_refusals(tmp_path):
    report = tmp_path / "api.jsonl"
    code = textwrap.dedent(f"""\
        import socket
        from hermetic import PolicyViolation, hermetic_blocker
        with hermetic_blocker(block_network=True, report={str(report)!r}):
            try:
                socket.create_connection(("127.0.0.1", 9), 5)
            except PolicyViolation:
                pass
        socket.socket().close()  # after the blocker: allowed, not reported
    """)
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    (event,) = read_report(report)
    assert (event["layer"], event["capability"], event["flag"]) == (
        "inprocess", "network", "block_network")
    assert event["frame"]["file"] == "<string>" and event["frame"]["line"] == 5


def test_a_blocker_inside_a_run_is_named_in_its_own_words(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    code = textwrap.dedent("""\
        import os, socket
        from hermetic import hermetic_blocker
        with hermetic_blocker(block_subprocess=True):
            for attempt in (lambda: os.system("true"), socket.socket):
                try:
                    attempt()
                except OSError:
                    pass
    """)
    proc = run_hermetic(["--no-network", "--report", report, "--", PY, "-c", code])
    assert proc.returncode == 0, proc.stderr
    # The run's report has the blocker's refusal too, with the keyword that refused it.
    assert [(e["capability"], e["flag"]) for e in read_report(report)] == [
        ("subprocess", "block_subprocess"), ("network", "--no-network")]


def test_the_checker_refuses_what_the_format_does_not_allow():
    good = ('{"v":1,"time":"2026-12-07T14:31:02.123456Z","pid":4,"capability":"network",'
            '"operation":"connect","decision":"refused","layer":"supervisor","detail":{}}')
    check_line(good)
    for bad in (good.replace('"v":1', '"v":2'), good.replace('"connect"', '"dial"'),
                good.replace('"detail":{}', '"detail":{"port":"80"}'), good[:-1],
                good.replace('"layer"', '"extra":1,"layer"')):
        try:
            check_line(bad)
        except (AssertionError, ValueError):
            continue
        raise AssertionError(f"accepted: {bad}")


def test_explain_shows_the_report_file_and_creates_nothing(run_hermetic, tmp_path):
    report = tmp_path / "report.jsonl"
    proc = run_hermetic(["--fs-readonly", "--report", report, "--explain", "--", "true"])
    assert proc.returncode == 0, proc.stderr
    assert f"report: {report} " in proc.stdout
    # The rule that lets the target append to it, among the write rules.
    assert any(line.split()[:2] == [str(report), "write_file"]
               for line in proc.stdout.splitlines()), proc.stdout
    # --report's own rows: Landlock decides those calls, the supervisor only sees them.
    assert any(line.split()[1:3] == ["mkdir", "seen"] for line in proc.stdout.splitlines())
    assert not report.exists()
