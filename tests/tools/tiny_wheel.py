"""A small pure-Python wheel written with zipfile: pip's input in tests/tools and bench/, with
no build backend (nothing to fetch, nothing to run)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

NAME = "tinypkg"
VERSION = "1.0"
FILENAME = f"{NAME}-{VERSION}-py3-none-any.whl"


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(directory: Path) -> Path:
    """Writes tinypkg-1.0 (a package and a console script) into `directory`; returns its path."""
    info = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}/__init__.py": b"GREETING = 'hello from tinypkg'\n\n\ndef main():\n"
                               b"    print(GREETING)\n",
        f"{NAME}/data.txt": b"package data\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests/tools\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        # A console script: pip writes it into bin/ and must make it executable.
        f"{info}/entry_points.txt": f"[console_scripts]\ntinypkg = {NAME}:main\n".encode(),
    }
    record = [f"{name},{_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = directory / FILENAME
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            # A fixed date: the same bytes every time, so the index's sha256 is stable.
            wheel.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
