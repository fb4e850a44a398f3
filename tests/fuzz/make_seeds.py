"""Writes the fuzzers' seed corpora (tests/fuzz/corpus/<fuzzer>/), one meaningful input each.

Run it again after changing a seed below; the files are committed, so the suite never runs it.
Inputs a fuzzer found that crashed go into the same directories by hand, named crash-<what>.
"""

from __future__ import annotations

import json
import socket
import struct
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 0, 1, 2, 10, 16
SOL_SOCKET, SCM_RIGHTS = 1, 1
IPPROTO_IP, IP_RETOPTS, IP_PKTINFO = 0, 7, 8
IPPROTO_IPV6, IPV6_2292PKTINFO, IPV6_2292RTHDR, IPV6_RTHDR, IPV6_PKTINFO = 41, 2, 5, 57, 50
SSIZE_MAX = (1 << 63) - 1


def sockaddr_in(family: int, address: str, port: int) -> bytes:
    packed = socket.inet_aton(address)
    return struct.pack("<H", family) + struct.pack(">H", port) + packed + bytes(8)


def sockaddr_in6(address: str, port: int, scope: int = 0) -> bytes:
    packed = socket.inet_pton(socket.AF_INET6, address)
    header = struct.pack("<H", AF_INET6) + struct.pack(">HI", port, 0)
    return header + packed + struct.pack("<I", scope)


def sockaddr_un(path: bytes) -> bytes:
    return struct.pack("<H", AF_UNIX) + path


def msghdr(namelen: int, iovlen: int, controllen: int, name: int = 0x1000) -> bytes:
    # struct user_msghdr: name, namelen (int, padded), iov, iovlen, control, controllen, flags
    return struct.pack("<QiiQQQQI4x", name, namelen, 0, 0x2000, iovlen, 0x3000, controllen, 0)


def cmsg(level: int, kind: int, data: bytes, length: int | None = None) -> bytes:
    size = 16 + len(data) if length is None else length
    body = struct.pack("<Qii", size, level, kind) + data
    return body + bytes(-len(body) % 8)


def in_pktinfo(ifindex: int) -> bytes:
    return struct.pack("<i", ifindex) + socket.inet_aton("127.0.0.1") * 2


def in6_pktinfo(ifindex: int) -> bytes:
    return socket.inet_pton(socket.AF_INET6, "::1") + struct.pack("<i", ifindex)


def decoder_seeds() -> dict[str, bytes]:
    sockaddrs = {
        "inet-loopback": sockaddr_in(AF_INET, "127.0.0.1", 80),
        "inet-short": sockaddr_in(AF_INET, "127.0.0.1", 80)[:8],
        "inet-metadata": sockaddr_in(AF_INET, "169.254.169.254", 80),
        "inet-long": sockaddr_in(AF_INET, "10.0.0.1", 443) + bytes(112),
        "inet6-loopback": sockaddr_in6("::1", 53),
        "inet6-rfc2133": sockaddr_in6("::1", 53)[:24],
        "inet6-short": sockaddr_in6("::1", 53)[:20],
        "inet6-mapped": sockaddr_in6("::ffff:127.0.0.1", 8080),
        "inet6-scoped": sockaddr_in6("fe80::1", 80, scope=2),
        "unspec-inet": sockaddr_in(AF_UNSPEC, "0.0.0.0", 0),
        "unspec-short": struct.pack("<H", AF_UNSPEC) + bytes(2),
        "unix-path": sockaddr_un(b"/run/x.sock\0"),
        "unix-path-no-nul": sockaddr_un(b"relative/sock"),
        "unix-path-full": sockaddr_un(b"p" * 108),
        "unix-too-long": sockaddr_un(b"p" * 109),
        "unix-abstract": sockaddr_un(b"\0name"),
        "unix-abstract-nuls": sockaddr_un(b"\0a\0b\0"),
        "unix-unnamed": sockaddr_un(b""),
        "netlink": struct.pack("<HHII", AF_NETLINK, 0, 0, 0),
        "family-only": struct.pack("<H", AF_INET),
        "one-byte": b"\x02",
    }
    messages = {
        "msghdr-plain": msghdr(16, 1, 0),
        "msghdr-null-name": msghdr(-1, 1, 0, name=0),
        "msghdr-negative-namelen": msghdr(-1, 1, 0),
        "msghdr-long-namelen": msghdr(200, 1, 0),
        "msghdr-too-many-iovecs": msghdr(0, 1025, 0),
        "msghdr-huge-control": msghdr(0, 1, 1 << 31),
        "msghdr-short": msghdr(16, 1, 0)[:40],
    }
    entry = msghdr(16, 1, 0) + struct.pack("<I4x", 0)
    mmsg = {"mmsghdr-two": entry * 2, "mmsghdr-partial": entry * 2 + entry[:30]}
    iovecs = {
        "iovec-two": struct.pack("<QQQQ", 0x1000, 10, 0x2000, 20),
        "iovec-ssize-max": struct.pack("<QQ", 0x1000, SSIZE_MAX + 1),
        "iovec-max-rw-count": struct.pack("<QQQQ", 0x1000, 0x7FFFF000, 0x2000, 100),
    }
    controls = {
        "cmsg-rights": cmsg(SOL_SOCKET, SCM_RIGHTS, struct.pack("<ii", 3, 4)),
        "cmsg-pktinfo": cmsg(IPPROTO_IP, IP_PKTINFO, in_pktinfo(2)),
        "cmsg-pktinfo6": cmsg(IPPROTO_IPV6, IPV6_PKTINFO, in6_pktinfo(2)),
        "cmsg-pktinfo6-2292": cmsg(IPPROTO_IPV6, IPV6_2292PKTINFO, in6_pktinfo(2)),
        "cmsg-pktinfo-short": cmsg(IPPROTO_IP, IP_PKTINFO, in_pktinfo(2)[:8]),
        "cmsg-retopts": cmsg(IPPROTO_IP, IP_RETOPTS, bytes(8)),
        "cmsg-rthdr": cmsg(IPPROTO_IPV6, IPV6_RTHDR, bytes(8)),
        "cmsg-rthdr-2292": cmsg(IPPROTO_IPV6, IPV6_2292RTHDR, bytes(8)),
        "cmsg-len-zero": cmsg(SOL_SOCKET, SCM_RIGHTS, bytes(8), length=0),
        "cmsg-len-past-end": cmsg(SOL_SOCKET, SCM_RIGHTS, bytes(8), length=64),
        "cmsg-len-huge": cmsg(SOL_SOCKET, SCM_RIGHTS, bytes(8), length=(1 << 64) - 8),
        "cmsg-two-and-tail": cmsg(SOL_SOCKET, SCM_RIGHTS, struct.pack("<i", 5))
        + cmsg(IPPROTO_IP, IP_PKTINFO, in_pktinfo(1))
        + bytes(12),
        "cmsg-short-tail": bytes(15),
    }
    seeds: dict[str, bytes] = {}
    for selector, group in enumerate([sockaddrs, messages, mmsg, iovecs, controls]):
        for name, payload in group.items():
            seeds[name] = bytes([selector]) + payload
    return seeds


def policy_json_seeds() -> dict[str, bytes]:
    full = {
        "block_network": True,
        "allow_localhost": True,
        "allow_domains": ["example.invalid"],
        "resolve": [{"name": "db.invalid", "address": "127.0.0.1"}],
        "block_subprocess": False,
        "fs_readonly": True,
        "fs_root": "/",
        "allow_write": ["/tmp"],
        "allow_read": ["/etc/hosts"],
        "block_environment": True,
        "keep_env": ["PATH", "LC_ALL"],
        "block_code_exec": True,
        "deny_imports": ["ctypes", "os.path"],
        "block_native": False,
        "block_interpreter_mutation": True,
        "trace": True,
        "sealed": False,
    }
    documents: dict[str, object] = {
        "empty": {},
        "full": full,
        "network": {"block_network": True, "allow_localhost": True},
        "domain-metadata": {"block_network": True, "allow_domains": ["metadata.google.internal"]},
        "resolve-metadata": {"resolve": [{"name": "m.invalid", "address": "169.254.169.254"}]},
        "resolve-ipv6": {"resolve": [{"name": "v6.invalid", "address": "[::1]"}]},
        "resolve-missing-address": {"resolve": [{"name": "x.invalid"}]},
        "wrong-type": {"block_network": "yes"},
        "unknown-field": {"block_netwrok": True},
        "fs-root-null": {"fs_readonly": True, "fs_root": None},
        "fs-root-relative": {"fs_readonly": True, "fs_root": "relative/dir"},
        "deny-import-bad": {"deny_imports": ["not a module"]},
        "keep-env-bad": {"keep_env": ["A=B"]},
        "array": [1, 2, 3],
    }
    seeds = {name: json.dumps(doc).encode() for name, doc in documents.items()}
    seeds["not-json"] = b"{block_network: true"
    seeds["nested-deep"] = b"[" * 64 + b"]" * 64
    seeds["unicode-key"] = b'{"caf\\u00e9\\n": true}'  # a line break in the error: fixed
    return seeds


def policy_file_seeds() -> dict[str, bytes]:
    files = {
        "one": '[policies.ci]\nblock_network = true\nallow_localhost = true\n',
        "default-extends": ('default = "ci"\n[policies.base]\nblock_subprocess = true\n'
                            '[policies.ci]\nextends = "base"\nprofiles = ["net-hermetic"]\n'),
        "paths": ('[policies.w]\nfs_readonly = true\nfs_root = "."\nallow_write = ["build", '
                  '"~/.cache"]\nallow_read = ["../x"]\n'),
        "lists": ('[policies.n]\nblock_network = true\nallow_domains = ["a.invalid"]\n'
                  'allow_connect = ["[::1]:8080", "db.invalid:5432"]\nallow_bind = ["8000"]\n'
                  'resolve = ["db.invalid:127.0.0.1"]\ndeny_imports = ["ctypes"]\n'),
        "pyproject": '[project]\nname = "x"\n[tool.hermetic.policies.t]\nblock_native = true\n',
        "cycle": '[policies.a]\nextends = "b"\n[policies.b]\nextends = "a"\n',
        "wrong-types": '[policies.a]\nblock_network = "yes"\nallow_domains = "x"\n',
        "unknown-key": '[policies.a]\nno_network = true\nallow_domain = ["x"]\n',
        "exception-alone": '[policies.a]\nkeep_env = ["TOKEN"]\n',
        "two-roots": ('[policies.b]\nfs_root = "/r"\n[policies.c]\nextends = "b"\n'
                      'fs_root = "/s"\n'),
        "syntax": '[policies.a\nblock_network = tru\n',
        "quoted-key-newline": '[policies."a\\nb"]\n"x\\ny" = true\n',
        "inline-tables": 'policies = { a = { block_network = true, allow_bind = ["0"] } }\n',
    }
    return {name: text.encode() for name, text in files.items()}


def cli_seeds() -> dict[str, bytes]:
    argvs = {
        "no-network": ["--no-network", "--", "python3", "-c", "pass"],
        "localhost-trace": ["--no-network", "--allow-localhost", "--trace", "--", "curl", "x"],
        "allow-domain": ["--allow-domain", "example.invalid", "--", "curl", "x"],
        "allow-domain-equals": ["--allow-domain=example.invalid", "--", "x"],
        "resolve": ["--allow-domain", "a.invalid", "--resolve", "a.invalid:127.0.0.1", "--", "x"],
        "resolve-bad": ["--resolve", "no-colon", "--", "x"],
        "fs-readonly-root": ["--fs-readonly=.", "--allow-write", "/tmp", "--", "ls"],
        "fs-readonly-twice": ["--fs-readonly=/a", "--fs-readonly=/b", "--", "ls"],
        "explain": ["--fs-readonly", "--explain", "--", "python3"],
        "explain-no-target": ["--explain"],
        "environment": ["--no-env", "--keep-env", "LC_ALL", "--", "env"],
        "code": ["--no-code-exec", "--deny-import", "ctypes", "--block-native", "--", "py"],
        "profile": ["--profile", "block-all", "--seal", "--", "x"],
        "profile-unknown": ["--profile", "nope", "--", "x"],
        "prefix": ["--no-net", "--allow-loc", "--", "x"],
        "flag-value": ["--no-network=1", "--", "x"],
        "no-separator": ["--no-network", "python3"],
        "empty-target": ["--no-network", "--"],
        "help": ["--help"],
        "version": ["--version"],
        "check": ["--check"],
        "windows-style": ["/no-network", "--", "x"],
        "unknown": ["--no-such-flag", "--", "x"],
        # A line break in the usage error, as the fuzzer first found: fixed (one_line).
        "newline-value": ["--fs-readonly=a\nb", "--fs-readonly=c", "--", "x"],
        "allow-connect": ["--no-network", "--allow-connect", "[::1]:80", "--", "x"],
        "allow-bind": ["--no-network", "--allow-bind=8000", "--", "x"],
        "policy-file-missing": ["--policy-file", "/nonexistent.toml", "--policy", "ci", "--", "x"],
    }
    return {name: b"\0".join(arg.encode() for arg in argv) for name, argv in argvs.items()}


def main() -> None:
    for fuzzer, seeds in [
        ("target_decode", decoder_seeds()),
        ("policy_json", policy_json_seeds()),
        ("cli_options", cli_seeds()),
        ("policy_file", policy_file_seeds()),
    ]:
        directory = CORPUS / fuzzer
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (directory / f"seed-{name}").write_bytes(data)


if __name__ == "__main__":
    main()
