"""Higher-level clients: urllib (with proxies switched off explicitly) and asyncio."""

import pytest

ATTEMPTS = {
    "urllib": """
        import sys, urllib.request
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(f"http://127.0.0.1:{sys.argv[1]}/", timeout=10)
    """,
    "asyncio_open_connection": """
        import asyncio, sys
        async def main():
            _, writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[1]))
            writer.close()
        asyncio.run(main())
    """,
    "asyncio_datagram_endpoint": """
        import asyncio, sys
        async def main():
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=("127.0.0.1", int(sys.argv[1])))
            transport.sendto(b"escape")
            transport.close()
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("code", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_library(code, net_sandbox, listener, run_attempt, python_attempt, expect_contact):
    attempt = run_attempt(python_attempt(code, listener.port), net_sandbox)
    expect_contact(net_sandbox, attempt)
