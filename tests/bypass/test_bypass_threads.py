"""--no-subprocess keeps threads: clone with CLONE_THREAD passes, clone3 falls back to it."""

import pytest

PROGRAM = """
import sys, threading
from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(max_workers=8) as pool:
    squares = list(pool.map(lambda n: n * n, range(1000)))
# Eight threads alive at once (the barrier holds them), each its own kernel task.
barrier = threading.Barrier(8, timeout=30)
native_ids = set()
def meet():
    native_ids.add(threading.get_native_id())
    barrier.wait()
threads = [threading.Thread(target=meet) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(squares), len(native_ids))
"""


@pytest.mark.parametrize("flags", [["--no-subprocess"], ["--no-subprocess", "--no-network"]],
                         ids=["no-subprocess", "no-subprocess+no-network"])
def test_thread_pool_runs(flags, run_hermetic, python_attempt):
    proc = run_hermetic([*flags, "--", *python_attempt(PROGRAM)],
                        env={"HERMETIC_TEST_STARTED": "/dev/null"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(sum(n * n for n in range(1000))), "8"]
