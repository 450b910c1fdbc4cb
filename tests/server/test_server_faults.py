"""Server faults: a held request that is never answered, a dropped connection, a lost answer.

``/_fake/fail_next`` takes ``error=timeout`` (hold ``delay`` seconds, 30 by
default, then close the connection unanswered), ``error=connection_error``
(close at once), ``when=after`` (the change is made first) and ``delay``.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from typing import Any

import httpx
import pytest

from tests.conftest import KEY, SSL_CONTEXT
from tests.server.served import Served
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay


@pytest.fixture
def served(server: ServerThread) -> ServerThread:
    """The session's loopback server, serving a new fake."""
    server.app.fake = FakeTofupay()
    return server


def get(url: str, **kwargs: Any) -> httpx.Response:
    """``httpx.get`` with the suite's SSL context (a new client loads the CA bundle, ~40 ms)."""
    return httpx.get(url, verify=SSL_CONTEXT, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    """``httpx.post`` with the suite's SSL context."""
    return httpx.post(url, verify=SSL_CONTEXT, **kwargs)


def fail_next(url: str, **fields: str) -> httpx.Response:
    return post(f"{url}/_fake/fail_next", data=fields)


def test_connection_error_closes_the_connection_unanswered(served: ServerThread) -> None:
    assert fail_next(served.url, error="connection_error").json() == {"queued": 1}
    with pytest.raises(httpx.RemoteProtocolError):
        post(f"{served.url}/v1/customers", auth=(KEY, ""))
    assert served.app.fake.customers(KEY) == []
    assert [call.status_code for call in served.app.fake.calls] == [0]
    assert get(f"{served.url}/v1/customers", auth=(KEY, "")).status_code == 200


def test_a_lost_answer_after_the_change_was_made(served: ServerThread) -> None:
    fail_next(served.url, error="connection_error", when="after", method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        post(
            f"{served.url}/v1/customers",
            auth=(KEY, ""),
            data={"email": "kept@example.com"},
            headers={"Idempotency-Key": "order-1"},
        )
    assert [c["email"] for c in served.app.fake.customers(KEY)] == ["kept@example.com"]
    retry = post(
        f"{served.url}/v1/customers",
        auth=(KEY, ""),
        data={"email": "kept@example.com"},
        headers={"Idempotency-Key": "order-1"},
    )
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(served.app.fake.customers(KEY)) == 1


def test_timeout_holds_the_request_then_closes_it(served: ServerThread) -> None:
    fail_next(served.url, error="timeout", delay="0.1")
    with pytest.raises(httpx.RemoteProtocolError):  # held, then closed without an answer
        get(f"{served.url}/v1/customers", auth=(KEY, ""), timeout=10)
    fail_next(served.url, error="timeout")  # 30 s by default: the client gives up first
    with pytest.raises(httpx.ReadTimeout):
        get(f"{served.url}/v1/customers", auth=(KEY, ""), timeout=0.5)
    faults = get(f"{served.url}/_fake/faults").json()["data"]
    assert faults == []


def test_an_answer_fault_with_a_delay_and_a_status(served: ServerThread) -> None:
    fail_next(served.url, error="503", delay="0.2", when="after", method="POST")
    answer = post(f"{served.url}/v1/customers", auth=(KEY, ""), data={"email": "d@x.io"})
    assert answer.status_code == 503
    assert answer.headers["tofupay-should-retry"] == "true"
    assert len(served.app.fake.customers(KEY)) == 1  # made before the answer was lost


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"error": "timeout", "when": "later"}, "when"),
        ({"error": "timeout", "delay": "-1"}, "delay"),
        ({"error": "timeout", "delay": "abc"}, "delay"),
        ({"error": "timeout", "delay": "nan"}, "delay"),
        ({"error": "timeout", "delay": "3601"}, "delay"),
        ({"error": "slow"}, "error"),
    ],
)
def test_bad_fault_fields_are_400s_naming_them(
    served: ServerThread, fields: dict[str, str], param: str
) -> None:
    answer = fail_next(served.url, **fields)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == param


def test_sigterm_while_a_timeout_fault_holds_a_request_exits_0_promptly() -> None:
    # No grace: the held connection is dropped at once, its request cancelled a moment later.
    with Served("--port", "0", "--grace", "0") as server:
        server.ready()
        fail_next(server.url, error="timeout", delay="60")
        host, port = server.url.removeprefix("http://").split(":")
        held = socket.create_connection((host, int(port)))
        held.sendall(
            b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\n\r\n"
        )
        answered: list[bytes] = []

        def read() -> None:
            try:
                answered.append(held.recv(100))
            except OSError:  # reset by the stopping server: no answer either
                answered.append(b"")

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 10
        while get(f"{server.url}/_fake/faults").json()["data"]:  # until the request
            assert time.monotonic() < deadline, "the request never took the fault"
            time.sleep(0.01)  # has taken the fault: it is held by now
        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0
        assert time.monotonic() - started < 10  # a hang guard, not a timing assertion
        reader.join(10)
        held.close()
        assert answered in ([b""], [])  # closed, never answered
