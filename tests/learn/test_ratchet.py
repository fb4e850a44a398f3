"""`hermetic --policy NAME --report-unexpected -- ...`: the run is enforced; when something was
refused, hermetic exits 3 listing each refusal with the policy line that would allow it. Judged
by side effect too: the refused destination counts no connection, the refused file is not there.
"""

from __future__ import annotations

import sys

from learn_support import Place, Server


def test_a_run_the_policy_covers_keeps_its_status(place: Place,
                                                  servers: tuple[Server, Server]) -> None:
    good, _ = servers
    args = ["curl", "-sS", good.url]
    assert place.learn(args).returncode == 0
    covered = place.run([place.hermetic, "--policy", "t", "--report-unexpected", "--", *args])
    assert covered.returncode == 0, covered.stderr
    assert covered.stdout == "hello from loopback\n"
    assert "report-unexpected" not in covered.stderr


def test_a_refused_destination_names_the_line_that_allows_it(
        place: Place, servers: tuple[Server, Server]) -> None:
    good, other = servers
    assert place.learn(["curl", "-sS", good.url]).returncode == 0
    before = other.connections()
    refused = place.run([place.hermetic, "--policy", "t", "--report-unexpected", "--",
                         "curl", "-sS", other.url])
    assert refused.returncode == 3, refused.stderr
    assert other.connections() == before
    assert f"network connect 127.0.0.1:{other.port}" in refused.stderr
    assert f'allow_connect += "127.0.0.1:{other.port}"' in refused.stderr


def test_a_refused_write_of_a_python_target(place: Place) -> None:
    assert place.learn([sys.executable, "-c", "print('hi')"]).returncode == 0
    outside = place.base / "outside.txt"
    code = f"open({str(outside)!r}, 'w').write('x')"
    refused = place.run([place.hermetic, "--policy", "t", "--report-unexpected", "--",
                         sys.executable, "-c", code])
    assert refused.returncode == 3, refused.stderr
    assert not outside.exists()
    assert f"fs_write open {outside}" in refused.stderr or \
        f"fs_write create {outside}" in refused.stderr, refused.stderr
    assert "allow_write += " in refused.stderr


def test_a_shell_refused_a_write_and_a_fork(place: Place) -> None:
    # Refusals no layer inside the shell reports: Landlock's of its redirection, the fork row's of
    # dash's own fork (the supervisor reports both under the ratchet's report).
    (place.work / "out").mkdir()
    (place.work / "hermetic.toml").write_text(
        '[policies.t]\nblock_subprocess = true\nfs_readonly = true\nallow_write = ["out"]\n')
    outside = place.base / "outside.txt"
    refused = place.run([place.hermetic, "--policy", "t", "--report-unexpected", "--", "sh", "-c",
                         f'echo x > {outside}; echo y > out/ok.txt; true; /bin/true; exit 0'])
    assert refused.returncode == 3, refused.stderr
    assert not outside.exists()
    assert (place.work / "out" / "ok.txt").read_text() == "y\n"
    listed = refused.stderr.split("--report-unexpected:", 1)[1]
    assert f"fs_write create {outside}\n      allow_write += \"{place.base}\"" in listed, listed
    assert "subprocess fork\n      allow_exec += " in listed, listed
    assert "ok.txt" not in listed  # allowed: no line
