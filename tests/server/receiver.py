"""A local HTTP webhook receiver for tests: a ``ThreadingHTTPServer`` on an ephemeral 127.0.0.1 port.

``running_receiver()`` serves a :class:`Receiver` for the length of a ``with`` block;
``down_url()`` gives a local URL where nothing listens.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

#: How long a held request waits for the gate, and ``wait_for`` for requests, at the most.
TIMEOUT = 30.0


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lower case
    body: bytes


class Receiver:
    """Records each request; answers the statuses of ``plan`` in turn, then 200.

    While ``gate`` is clear, each request is recorded and then held until it is set.
    """

    def __init__(self) -> None:
        self.url = ""
        self.plan: list[int] = []
        self.requests: list[Received] = []
        self.gate = threading.Event()
        self.gate.set()
        self._changed = threading.Condition()

    def fail_first(self, count: int, status: int = 500) -> None:
        self.plan = [status] * count

    def bodies(self) -> list[bytes]:
        with self._changed:
            return [request.body for request in self.requests]

    def wait_for(self, count: int) -> list[Received]:
        """The requests once there are at least ``count`` (fails after a deadline)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, TIMEOUT):
                pytest.fail(f"{len(self.requests)} requests, expected {count}")
            return list(self.requests)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._changed:
            self.requests.append(Received(handler.command, handler.path, headers, body))
            status = self.plan.pop(0) if self.plan else 200
            self._changed.notify_all()
        self.gate.wait(timeout=TIMEOUT)
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins every handler thread
    block_on_close = True


@contextmanager
def running_receiver(path: str = "/hooks") -> Iterator[Receiver]:
    """A :class:`Receiver` served at ``path`` on an ephemeral local port until the block ends."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield state
    finally:
        state.gate.set()
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def down_url(path: str = "/hooks") -> Iterator[str]:
    """A local URL whose port is bound (so nobody else takes it) but where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{path}"
