"""What serving the fake over HTTP needs, for ``tofupay-fake serve`` and ``fake.url`` alike."""

from __future__ import annotations

import socket

INSTALL_HINT = (
    "tofupay-fake serve needs the server extra (uvicorn). Install it with:\n"
    "    pip install 'tofupay-fake[server]'"
)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only for such sockets, and
    # with Nagle on every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
