"""API clients other than httpx, with the interface of ``tests.conftest.Api``, and their test aids.

``Network`` refuses (and records) every DNS lookup and connection that is not
to the loopback interface, so a test proves nothing left the process;
``echo_server`` is a plain HTTP server on 127.0.0.1 for requests that must
pass the fake by; ``authorization`` is the header value httpx sends for a key.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def basic(key: str) -> str:
    """``Authorization: Basic`` for ``key:`` with the key as UTF-8 (what httpx sends)."""
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def authorization(key: str, auth: str) -> str:
    """The ``Authorization`` value for ``key``: ``basic`` as httpx sends it, else Bearer."""
    return basic(key) if auth == "basic" else f"Bearer {key}"


class Network:
    """Every attempt to reach a host other than loopback, refused: ``(function, host)``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[tuple[str, str]] = []
        real_getaddrinfo = socket.getaddrinfo
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex

        def refuse(function: str, host: object) -> None:
            self.attempts.append((function, str(host)))
            raise ConnectionRefusedError(f"no network in this test ({function} {host!r})")

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in LOOPBACK:
                refuse("getaddrinfo", name)
            return real_getaddrinfo(host, *args, **kwargs)

        def remote(address: Any) -> bool:
            return isinstance(address, tuple) and address[0] not in LOOPBACK

        def connect(sock: socket.socket, address: Any) -> None:
            if remote(address):
                refuse("connect", address[0])
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if remote(address):
                refuse("connect_ex", address[0])
            return real_connect_ex(sock, address)

        def gethostbyname(host: str) -> str:
            if host not in LOOPBACK:
                refuse("gethostbyname", host)
            return "127.0.0.1"

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "gethostbyname", gethostbyname)
        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)

    def take(self) -> list[tuple[str, str]]:
        """The attempts so far (forgotten: a test that expects them takes them)."""
        taken, self.attempts = self.attempts, []
        return taken


def guarded_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """For a fixture: no DNS and no connection off loopback; fails if any was tried and not taken."""
    guard = Network(monkeypatch)
    yield guard
    assert guard.attempts == [], f"requests tried to reach the network: {guard.attempts}"


#: (method, path with query, X-Test header, body) as the echo server saw them.
Seen = list[tuple[str, str, str | None, bytes]]


class _Echo(BaseHTTPRequestHandler):
    seen: ClassVar[Seen] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers.get("X-Test"), body))
        out = json.dumps({"local": True, "path": self.path}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def echo_server() -> Iterator[tuple[str, Seen]]:
    """A plain HTTP server on 127.0.0.1 (any free port): its URL and the requests it saw."""
    seen: Seen = []
    handler = type("Echo", (_Echo,), {"seen": seen})
    server = HTTPServer(("127.0.0.1", 0), handler)
    # A short poll: shutdown() waits for serve_forever to look (0.5 s by default).
    serve = {"poll_interval": 0.01}
    thread = threading.Thread(target=server.serve_forever, kwargs=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
