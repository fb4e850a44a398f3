"""sealed=True: permanent for the process, plus the kernel layer. Always in a child process."""

from __future__ import annotations


def test_sealed_blocks_ctypes_libc_connect_and_cannot_be_lifted(listener, run_python):
    result = run_python(
        f"""
        import ctypes, ctypes.util, socket, struct
        from hermetic import hermetic_blocker, PolicyViolation
        import hermetic._hermetic as native

        libc = ctypes.CDLL(None, use_errno=True)
        with hermetic_blocker(block_network=True, sealed=True):
            pass
        # Left the block: still sealed, in-process and in the kernel.
        try:
            socket.create_connection(("127.0.0.1", {listener.port}), timeout=2)
            print("python: connected")
        except PolicyViolation:
            print("python: blocked")
        fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        print("libc socket:", fd, ctypes.get_errno())
        addr = struct.pack("!HH4s8x", socket.AF_INET, {listener.port},
                           socket.inet_aton("127.0.0.1"))
        addr = struct.pack("=H", socket.AF_INET) + addr[2:]
        rc = libc.connect(fd, addr, len(addr)) if fd >= 0 else -1
        print("libc connect:", rc)
        print("levels:", native.effective()["levels"], "sealed:", native.effective()["sealed"])
        """
    )
    count = listener.settled_count()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "python: blocked"
    assert lines[1].startswith("libc socket: -1 13")  # EACCES from the seccomp filter
    assert lines[2] == "libc connect: -1"
    assert lines[3] == "levels: 1 sealed: True"
    assert count == 0


def test_without_sealed_ctypes_is_the_known_gap(listener, run_python):
    # The in-process layer alone is not a boundary: libc reached through ctypes is not seen.
    result = run_python(
        f"""
        import ctypes, socket, struct
        from hermetic import hermetic_blocker
        libc = ctypes.CDLL(None, use_errno=True)
        with hermetic_blocker(block_network=True):
            fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
            addr = struct.pack("=H", socket.AF_INET) + struct.pack(
                "!H4s8x", {listener.port}, socket.inet_aton("127.0.0.1"))
            print(libc.connect(fd, addr, len(addr)))
        """
    )
    count = listener.settled_count()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
    assert count == 1


def test_sealed_subprocess_block_holds_in_the_kernel(tmp_path, run_python):
    marker = tmp_path / "ran"
    result = run_python(
        f"""
        import ctypes, os
        from hermetic import hermetic_blocker
        with hermetic_blocker(block_subprocess=True, sealed=True):
            pass
        libc = ctypes.CDLL(None, use_errno=True)
        pid = libc.fork()
        if pid == 0:
            open({str(marker)!r}, "w").close()
            os._exit(0)
        print(pid, ctypes.get_errno())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "-1"
    assert not marker.exists()


def test_sealed_with_allow_localhost_is_in_process_only(run_python):
    result = run_python(
        """
        import hermetic._hermetic as native, json
        from hermetic import hermetic_blocker
        with hermetic_blocker(block_network=True, allow_localhost=True):
            print(json.loads(native.kernel_part_json())["block_network"])
        with hermetic_blocker(block_network=True):
            print(json.loads(native.kernel_part_json())["block_network"])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_sealed_network_block_reaches_threads_that_already_existed(run_python):
    # seccomp is installed with TSYNC: a thread started before sealing is bound as well.
    result = run_python(
        """
        import ctypes, socket, threading
        from hermetic import hermetic_blocker
        libc = ctypes.CDLL(None, use_errno=True)
        sealed, done, out = threading.Event(), threading.Event(), []
        def worker():
            sealed.wait()
            out.append((libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0), ctypes.get_errno()))
            done.set()
        t = threading.Thread(target=worker)
        t.start()
        with hermetic_blocker(block_network=True, sealed=True):
            pass
        sealed.set()
        done.wait()
        print(out[0][0], out[0][1])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-1", "13"]
