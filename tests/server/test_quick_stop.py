"""The quick-stopping uvicorn server behind ``serve`` and ``fake.url``."""

from __future__ import annotations

import gc
import socket
import threading
from typing import Any

import pytest
import uvicorn

from tofupay_fake import FakeTofupay
from tofupay_fake.transports._compat_uvicorn import quick_server
from tofupay_fake.transports.serving import bind


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # pragma: no cover
    raise AssertionError("no request is made")


def assert_refused(port: int) -> None:
    """Nothing listens on ``port`` any more."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_a_stop_asked_before_the_server_runs_ends_it_at_its_first_look() -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(_app, lifespan="off", log_level="warning")
    server = quick_server()(config, grace=0.0)
    server.stop_soon()
    runner = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    runner.start()
    runner.join(30)
    assert not runner.is_alive()
    assert server.started  # it did start, and stopped at its first look
    sock.close()
    assert_refused(port)


def test_fake_url_stops_and_its_port_is_closed() -> None:
    fake = FakeTofupay()
    port = int(fake.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # listening
    fake.stop()
    assert_refused(port)


def test_a_connection_accepted_just_as_the_stop_begins_is_closed_too() -> None:
    # The event loop makes an accepted connection's transport in a task of its own: a
    # stop that looked at the open connections before that task ran left it open.
    for _ in range(30):
        fake = FakeTofupay()
        port = int(fake.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            fake.stop()
    gc.collect()  # an unclosed transport warns here (ResourceWarning: an error in this suite)
