"""The "remote host" of the network tests: runs inside a test network namespace.

Counts what reaches it, one log line per event, in arrival order (one selector loop):
  tcp            a TCP connection accepted on the probe port (HTTP requests get an answer)
  udp            a datagram on the probe port
  sentinel       a TCP connection on the sentinel port: the test's "all before me arrived" mark
The tarpit port listens with a backlog the test fills, so connects to it hang.
Prints "ready PROBE SENTINEL TARPIT" (the ports) once every socket listens. Exits when stdin
closes. Usage: net_counter_server.py BIND_ADDRESS LOG
"""

import selectors
import socket
import sys

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def listener(bind: str, backlog: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    s.bind((bind, 0))
    s.listen(backlog)
    return s


def main() -> None:
    bind = sys.argv[1]
    log = open(sys.argv[2], "a", buffering=1)  # noqa: SIM115 - open for the server's life
    sel = selectors.DefaultSelector()
    tcp = listener(bind, 4096)
    sentinel = listener(bind, 128)
    tarpit = listener(bind, 0)  # never accepted
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((bind, tcp.getsockname()[1]))
    sel.register(tcp, selectors.EVENT_READ, "tcp")
    sel.register(sentinel, selectors.EVENT_READ, "sentinel")
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    ports = (tcp.getsockname()[1], sentinel.getsockname()[1], tarpit.getsockname()[1])
    print("ready", *ports, flush=True)
    for s in (tcp, udp):
        s.setblocking(False)
    while True:
        # The sentinel goes last in a batch, and each listener is drained: whatever was queued
        # before the sentinel connection is logged before it.
        ready = sorted(sel.select(), key=lambda event: event[0].data == "sentinel")
        for key, _mask in ready:
            kind = key.data
            if kind == "stdin":
                if not sys.stdin.readline():
                    tarpit.close()
                    return
            elif kind == "udp":
                while True:
                    try:
                        udp.recvfrom(65536)
                    except BlockingIOError:
                        break
                    log.write("udp\n")
            elif kind == "sentinel":
                conn, _ = sentinel.accept()
                conn.close()
                log.write("sentinel\n")
            elif kind == "tcp":
                while True:
                    try:
                        conn, _ = tcp.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(True)
                    log.write("tcp\n")
                    sel.register(conn, selectors.EVENT_READ, bytearray())
            else:
                conn = key.fileobj
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                kind.extend(data)
                if not data or b"\r\n\r\n" in kind:
                    if data:
                        conn.sendall(RESPONSE)
                    sel.unregister(conn)
                    conn.close()


if __name__ == "__main__":
    main()
