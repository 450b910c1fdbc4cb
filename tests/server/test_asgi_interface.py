"""The fake's ASGI app under any ASGI server, driven here through the ASGI interface itself.

``tofupay-fake serve`` runs the app with uvicorn, but it is plain ASGI: these
tests call it as a server would (a scope, ``receive`` and ``send``), for what
uvicorn never sends it: scopes it does not serve, lifespan messages it does
not know, a request without the server's address, and a network fault under a
server that is not uvicorn. And an API request that arrives while a seeding
call holds the fake still gets its answer, from a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tofupay_fake import FakeTofupay
from tofupay_fake.transports.asgi_app import App, make_app

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


class Exchange:
    """One ASGI call: the messages the app is given and those it sends."""

    def __init__(self, *incoming: dict[str, Any]) -> None:
        self.incoming = list(incoming)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.incoming:
            return self.incoming.pop(0)
        await asyncio.Event().wait()  # a server waits for the next message; none comes
        raise AssertionError("unreachable")

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        [start] = [m for m in self.sent if m["type"] == "http.response.start"]
        status: int = start["status"]
        return status

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m["body"] for m in self.sent if "body" in m))


def http_scope(
    method: str, path: str, headers: dict[str, str], server: Any = ("127.0.0.1", 12111)
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": server,
    }


def call(app: App, scope: dict[str, Any], body: bytes = b"") -> Exchange:
    exchange = Exchange({"type": "http.request", "body": body, "more_body": False})
    asyncio.run(app(scope, exchange.receive, exchange.send))
    return exchange


@pytest.fixture
def app() -> Iterator[App]:
    yield make_app(FakeTofupay(seed=0))


def test_a_websocket_scope_is_not_served(app: App) -> None:
    exchange = Exchange({"type": "websocket.connect"})
    asyncio.run(
        app({"type": "websocket", "path": "/v1/customers"}, exchange.receive, exchange.send)
    )
    assert exchange.sent == []  # the server closes it (403), as ASGI says for an app that returns


def test_lifespan_messages_it_does_not_know_are_passed_over(app: App) -> None:
    stopped: list[bool] = []
    app.on_shutdown = lambda: stopped.append(True)
    exchange = Exchange(
        {"type": "lifespan.startup"},
        {"type": "lifespan.something.new"},
        {"type": "lifespan.shutdown"},
    )
    asyncio.run(app({"type": "lifespan"}, exchange.receive, exchange.send))
    assert exchange.sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    assert stopped == [True]


def test_a_foreign_host_without_the_server_address_is_refused(app: App) -> None:
    refused = call(app, http_scope("GET", "/_fake/calls", {"host": "evil.example"}, server=None))
    assert refused.status == 403
    assert refused.body["error"]["message"].startswith(
        "Forbidden: Host 'evil.example' is not a name of this server."
    )
    allowed = call(app, http_scope("GET", "/_fake/calls", {"host": "localhost"}, server=None))
    assert allowed.status == 200


def test_a_network_fault_under_another_server_returns_unanswered(app: App) -> None:
    fake = app.fake
    assert isinstance(fake, FakeTofupay)
    fake.fail_next("connection_error")
    headers = {"host": "127.0.0.1:12111", "authorization": f"Bearer {KEY}"}
    dropped = call(app, http_scope("GET", "/v1/customers", headers))
    assert dropped.sent == []  # no answer: the server sends its own error for the request
    assert call(app, http_scope("GET", "/v1/customers", headers)).status == 200
    assert [c.status_code for c in fake.calls] == [0, 200]


def test_a_request_while_the_fake_is_held_is_answered_from_a_worker_thread(app: App) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:  # as a seeding call does, on another thread
        with app.fake._lock:
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    headers = {"host": "127.0.0.1:12111", "authorization": f"Bearer {KEY}"}

    async def scenario() -> Exchange:
        exchange = Exchange({"type": "http.request", "body": b"", "more_body": False})
        scope = http_scope("GET", "/v1/customers", headers)
        before = set(threading.enumerate())
        request = asyncio.ensure_future(app(scope, exchange.receive, exchange.send))
        for _ in range(30_000):  # until it waits in this loop's worker thread, bounded
            if any(t.name.startswith("asyncio_") for t in set(threading.enumerate()) - before):
                break
            await asyncio.sleep(0.001)
        assert not request.done()  # the fake is held: no answer yet
        release.set()
        await request
        return exchange

    try:
        answered = asyncio.run(scenario())
    finally:
        release.set()
        holder.join(30)
    assert answered.status == 200
    assert answered.body["object"] == "list"


def test_allowed_names_must_be_non_empty_strings() -> None:
    with pytest.raises(TypeError, match="allowed_hosts takes non-empty strings, got ' '"):
        make_app(FakeTofupay(), allowed_hosts=["fake.internal", " "])


def test_a_snapshot_larger_than_the_limit_is_refused_unread(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tofupay_fake import control

    monkeypatch.setattr(control, "MAX_SNAPSHOT_BYTES", 64)  # the 256 MiB limit, made small
    headers = {"host": "127.0.0.1:12111", "content-type": "application/json"}
    refused = call(app, http_scope("POST", "/_fake/snapshot", headers), b"{" + b" " * 64 + b"}")
    assert refused.status == 413
    assert refused.body["error"]["type"] == "invalid_request_error"
    assert "64" in refused.body["error"]["message"]
