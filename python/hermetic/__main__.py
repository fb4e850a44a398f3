"""``python -m hermetic ...``: the hermetic command, as hermetic-seal's ``python -m hermetic``.

The command is a native executable installed in the environment's scripts directory next to
this package; this runs it in place of the interpreter, with the same arguments.
"""

from __future__ import annotations

import os
import sys
import sysconfig


def main() -> None:
    """Exec the hermetic executable of this installation with ``sys.argv[1:]``."""
    candidates = [os.path.join(sysconfig.get_path("scripts"), "hermetic"),
                  os.path.join(os.path.dirname(sys.executable), "hermetic")]
    for command in candidates:
        if os.access(command, os.X_OK):
            os.execv(command, [command, *sys.argv[1:]])
    sys.stderr.write("hermetic: error: the hermetic executable is not installed next to this "
                     f"package (looked for {', '.join(candidates)})\n")
    sys.exit(1)


if __name__ == "__main__":
    main()
