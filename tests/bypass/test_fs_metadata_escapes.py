"""Metadata calls (chmod, chown, utime, xattrs) work inside the writable places of --fs-readonly
and nowhere else, whatever way a path or fd leads out of them.

The supervisor performs these calls for the target on the object it resolved and checked
(src/core/supervisor/supervisor_metadata.hpp). Each attempt starts inside an --allow-write
directory and aims at a file outside it: bare, the outside file changes (the route is real);
under hermetic it must stay byte-for-byte, mode-for-mode the same.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from fs_bypass_helpers import helpers

# Each attempt gets W (the writable directory) and V (the victim file outside it).
ESCAPES = {
    "symlink_in_writable_dir": """
        os.symlink(V, W + '/link')
        os.chmod(W + '/link', 0o600)
    """,
    "symlink_to_outside_dir": """
        os.symlink(os.path.dirname(V), W + '/dirlink')
        os.utime(W + '/dirlink/' + os.path.basename(V), (0, 0))
    """,
    "dotdot_out_of_writable_dir": """
        os.chmod(W + '/../' + os.path.relpath(V, os.path.dirname(W)), 0o600)
    """,
    "hard_link_made_before_the_run": """
        os.chmod(W + '/prelinked', 0o600)
    """,
    "proc_self_fd_of_a_read_only_fd": """
        fd = os.open(V, os.O_RDONLY)
        os.chmod('/proc/self/fd/%d' % fd, 0o600)
    """,
    "proc_self_fd_of_an_o_path_fd": """
        fd = os.open(V, os.O_PATH)
        os.chmod('/proc/self/fd/%d' % fd, 0o600)
    """,
    "dev_fd_path": """
        fd = os.open(V, os.O_RDONLY)
        os.utime('/dev/fd/%d' % fd, (0, 0))
    """,
    "proc_self_cwd_magic_link": """
        os.chdir(os.path.dirname(V))
        os.chmod('/proc/self/cwd/' + os.path.basename(V), 0o600)
    """,
    "proc_self_fd_of_a_directory": """
        fd = os.open(os.path.dirname(V), os.O_RDONLY | os.O_DIRECTORY)
        os.chmod('/proc/self/fd/%d/%s' % (fd, os.path.basename(V)), 0o600)
    """,
    "fchmod_of_a_read_only_fd": """
        os.chdir(W)
        os.fchmod(os.open(V, os.O_RDONLY), 0o600)
    """,
    "futimens_of_a_read_only_fd": """
        os.utime(os.open(V, os.O_RDONLY), (0, 0))
    """,
    "fsetxattr_of_a_read_only_fd": """
        os.setxattr(os.open(V, os.O_RDONLY), 'user.hermetic', b'1')
    """,
    "dir_fd_outside": """
        d = os.open(os.path.dirname(V), os.O_RDONLY | os.O_DIRECTORY)
        os.chmod(os.path.basename(V), 0o600, dir_fd=d)
    """,
    "relative_path_from_cwd_outside": """
        os.chdir(os.path.dirname(V))
        os.chmod(os.path.basename(V), 0o600)
    """,
    "lchown_style_nofollow_on_symlink": """
        os.symlink(V, W + '/link')
        os.utime(W + '/link', (0, 0), follow_symlinks=False)
        os.utime(W + '/link', (0, 0))
    """,
    "setxattr_through_symlink": """
        os.symlink(V, W + '/link')
        os.setxattr(W + '/link', 'user.hermetic', b'1')
    """,
    # A thread swaps a symlink between an inside file and the victim while the main thread
    # changes the mode through it: the object checked must be the object changed. Bounded by the
    # number of swaps, not by time; bare, the victim changes long before.
    "symlink_swap_race": """
        import threading
        sys.setswitchinterval(1e-6)
        open(W + '/inside', 'w').close()
        stop = False
        def flip():
            for i in range(2000):
                if stop:
                    break
                tmp = W + '/tmp%d' % (i % 2)
                os.symlink(V if i % 2 else W + '/inside', tmp)
                os.replace(tmp, W + '/race')
        os.symlink(W + '/inside', W + '/race')
        t = threading.Thread(target=flip)
        t.start()
        n = 0
        while t.is_alive() and os.stat(V).st_mode & 0o777 == 0o644:
            try:
                os.chmod(W + '/race', 0o600 if n % 2 else 0o640)
            except OSError:
                pass
            n += 1
        stop = True
        t.join()
        print('tries', n)
    """,
    # The same with a directory in the middle of the path renamed away and replaced.
    "directory_swap_race": """
        import threading
        sys.setswitchinterval(1e-6)
        os.mkdir(W + '/d')
        open(W + '/d/' + os.path.basename(V), 'w').close()
        stop = False
        def flip():
            for i in range(1, 2000):
                if stop:
                    break
                if i % 2:
                    os.rename(W + '/d', W + '/d.real')
                    os.symlink(os.path.dirname(V), W + '/d')
                else:
                    os.remove(W + '/d')
                    os.rename(W + '/d.real', W + '/d')
        t = threading.Thread(target=flip)
        t.start()
        n = 0
        while t.is_alive() and os.stat(V).st_mode & 0o777 == 0o644:
            try:
                os.chmod(W + '/d/' + os.path.basename(V), 0o600 if n % 2 else 0o640)
            except OSError:
                pass
            n += 1
        stop = True
        t.join()
        print('tries', n)
    """,
}


def attempt_script(code: str) -> str:
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    return (
        "import os, sys\n"
        "W, V = sys.argv[1], sys.argv[2]\n"
        f"try:\n{body}\nexcept OSError as e:\n    print('blocked:', e)\n"
        "print('attempted')\n"
    )


def make_places(root: Path) -> tuple[Path, Path, Path]:
    """A writable directory, and beside it a directory holding the victim file."""
    writable = root / "writable"
    writable.mkdir(parents=True)
    outside = root / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("orig\n")
    victim.chmod(0o644)
    os.utime(victim, (1_000_000_000, 1_000_000_000))
    os.link(victim, writable / "prelinked")  # a name inside for a file that lies outside too
    return writable, outside, victim


@pytest.mark.parametrize("code", ESCAPES.values(), ids=ESCAPES.keys())
def test_metadata_change_does_not_leave_the_writable_places(code: str, tmp_path: Path) -> None:
    script = attempt_script(code)

    writable, outside, victim = make_places(tmp_path / "bare")
    before = helpers.snapshot(outside)
    control = helpers.run([sys.executable, "-c", script, str(writable), str(victim)])
    assert "attempted" in control.stdout, control.stderr
    assert helpers.snapshot(outside) != before, "the route changes nothing even without hermetic"

    writable, outside, victim = make_places(tmp_path / "sandboxed")
    before = helpers.snapshot(outside)
    result = helpers.hermetic(
        ["--fs-readonly", "--allow-write", str(writable)],
        [sys.executable, "-c", script, str(writable), str(victim)],
    )
    assert "attempted" in result.stdout, result.stderr  # the target ran and made its attempt
    assert helpers.snapshot(outside) == before, result.stdout + result.stderr


# The same calls on objects inside the writable places: performed, with the effect they have
# without hermetic.
ROUTES_INSIDE = {
    "chmod": "os.chmod(P, 0o600)",
    "chmod_nofollow": "os.chmod(P, 0o600, follow_symlinks=False)",  # glibc: /proc/self/fd/N
    "fchmod_writable_fd": "os.fchmod(os.open(P, os.O_WRONLY), 0o600)",
    "chmod_directory": "os.chmod(os.path.dirname(P), 0o700)",
    "utime": "os.utime(P, (5, 5))",
    "utime_now": "os.utime(P)",
    "futimens": "os.utime(os.open(P, os.O_WRONLY), (5, 5))",
    "utime_symlink_itself": "os.symlink(P, P + '.lnk'); os.utime(P + '.lnk', (5, 5), "
    "follow_symlinks=False)",
    "utime_relative_dir_fd": "os.utime(os.path.basename(P), (5, 5), "
    "dir_fd=os.open(os.path.dirname(P), os.O_RDONLY))",
    "setxattr": "os.setxattr(P, 'user.hermetic', b'1')",
    "removexattr": "os.setxattr(P, 'user.hermetic', b'1'); os.removexattr(P, 'user.hermetic')",
    "chown_to_self": "os.chown(P, os.getuid(), os.getgid())",
}


def inside_script(code: str) -> str:
    """Makes P (mode 0644, mtime 1000) unless it exists, runs `code`, then prints what can be
    seen of P's directory: each entry's mode, mtime (or 'recent') and extended attributes."""
    return (
        "import os, sys\n"
        "P = os.path.join(sys.argv[1] or os.environ['TMPDIR'], 'sub', 'f')\n"
        "os.makedirs(os.path.dirname(P), exist_ok=True)\n"
        "if not os.path.exists(P):\n"
        "    open(P, 'w').write('x')\n    os.chmod(P, 0o644)\n    os.utime(P, (1000, 1000))\n"
        f"{code}\n"
        "d = os.path.dirname(P)\n"
        "def seen(path):\n"
        "    st = os.lstat(path)\n"
        "    mtime = int(st.st_mtime) if st.st_mtime < 10**6 else 'recent'\n"
        "    xattrs = os.listxattr(path) if os.path.isfile(path) else []\n"
        "    return oct(st.st_mode), mtime, xattrs\n"
        "print(oct(os.stat(d).st_mode),\n"
        "      [(n, seen(os.path.join(d, n))) for n in sorted(os.listdir(d))])\n"
    )


@pytest.mark.parametrize("code", ROUTES_INSIDE.values(), ids=ROUTES_INSIDE.keys())
@pytest.mark.parametrize("place", ["allow-write", "tmpdir"])
def test_metadata_change_inside_the_writable_places_works(
    code: str, place: str, tmp_path: Path
) -> None:
    script = inside_script(code)
    bare_dir = tmp_path / "bare"
    bare_dir.mkdir()
    (bare_dir / "sub").mkdir()
    (bare_dir / "sub" / "f").write_text("x")
    (bare_dir / "sub" / "f").chmod(0o644)
    os.utime(bare_dir / "sub" / "f", (1000, 1000))
    control = helpers.run([sys.executable, "-c", script, str(bare_dir)])
    assert control.returncode == 0, control.stderr

    sandboxed_dir = tmp_path / "sandboxed"
    sandboxed_dir.mkdir()
    flags = ["--fs-readonly"]
    if place == "allow-write":
        flags += ["--allow-write", str(sandboxed_dir)]
    result = helpers.hermetic(
        flags, [sys.executable, "-c", script, str(sandboxed_dir) if place == "allow-write" else ""]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == control.stdout


def test_a_refusal_names_the_object_under_trace(tmp_path: Path) -> None:
    writable, _, victim = make_places(tmp_path)
    result = helpers.hermetic(
        ["--fs-readonly", "--allow-write", str(writable), "--trace"], ["chmod", "600", str(victim)]
    )
    assert result.returncode != 0
    assert f"chmod({victim})" in result.stderr
    assert oct(victim.stat().st_mode & 0o777) == "0o644"
