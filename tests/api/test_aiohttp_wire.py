"""The in-memory connection aiohttp requests to a started fake go through.

aiohttp writes a request into it as into a socket and reads the answer from
it; it must behave as an ``asyncio.Transport`` whatever aiohttp calls, take
a request written in any pieces (chunked bodies too), and never write to a
closed connection. An injected exception class that takes no message is
still raised into the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import BASE, KEY
from tofupay_fake import FakeTofupay
from tofupay_fake.request import Headers, Request
from tofupay_fake.transports.aiohttp_transport import _dechunk, _parse_head, _Wire

AUTH = {"Authorization": f"Bearer {KEY}"}


class Protocol:
    """What the wire hands to aiohttp's protocol, recorded."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.errors: list[BaseException] = []
        self.lost = 0

    def data_received(self, data: bytes) -> None:
        self.received.append(data)

    def set_exception(self, error: BaseException) -> None:
        self.errors.append(error)

    def connection_lost(self, exc: object) -> None:
        self.lost += 1


class Broken:
    """A fake that fails in a way no request should make it fail."""

    def respond(self, request: Request) -> Any:
        raise RuntimeError("broken")


HEAD = b"POST /v1/customers HTTP/1.1\r\nHost: api.tofupay.com\r\nAuthorization: Bearer "


def test_the_wire_is_an_asyncio_transport_and_takes_a_request_in_pieces() -> None:
    async def scenario() -> tuple[Protocol, _Wire]:
        protocol = Protocol()
        wire = _Wire(asyncio.get_running_loop(), protocol, FakeTofupay(seed=0), None)
        assert wire.get_extra_info("peername", "none") == "none"
        assert (wire.get_write_buffer_size(), wire.get_write_buffer_limits()) == (0, (0, 0))
        wire.set_write_buffer_limits(high=10, low=1)
        assert (wire.can_write_eof(), wire.is_reading(), wire.is_closing()) == (
            False,
            True,
            False,
        )
        wire.write_eof()
        wire.pause_reading()
        wire.resume_reading()
        wire.write(HEAD)  # the head is not complete yet
        wire.writelines([KEY.encode(), b"\r\nContent-Length: 15\r\n\r\n", b"email=a%40b.co"])
        assert protocol.received == []  # one byte of the body is still missing
        wire.write(b"m")
        await asyncio.sleep(0)  # the answer is made in a task
        wire.write(b"ignored: the request was complete")
        await asyncio.sleep(0)
        return protocol, wire

    protocol, wire = asyncio.run(scenario())
    [answer] = protocol.received
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b'"email":"a@b.com"' in answer.replace(b": ", b":")
    assert wire.is_closing()  # answered: not to be pooled


def test_a_closed_wire_is_never_answered_and_closes_once() -> None:
    async def scenario() -> Protocol:
        protocol = Protocol()
        wire = _Wire(asyncio.get_running_loop(), protocol, FakeTofupay(seed=0), None)
        wire.abort()
        wire.close()
        wire.write(HEAD + KEY.encode() + b"\r\n\r\n")  # after the close: dropped
        request = Request("GET", "/v1/customers", "", wire_headers(), b"")
        await wire._answer(request)  # an answer made as it closed is dropped
        broken = _Wire(asyncio.get_running_loop(), protocol, Broken(), None)
        broken.close()
        await broken._answer(request)  # and so is a failure
        await asyncio.sleep(0)
        return protocol

    protocol = asyncio.run(scenario())
    assert (protocol.received, protocol.errors, protocol.lost) == ([], [], 2)


def wire_headers() -> Headers:
    return Headers([("Host", "api.tofupay.com"), ("Authorization", f"Bearer {KEY}")])


def test_a_fake_that_fails_fails_the_request_instead_of_hanging_it() -> None:
    async def scenario() -> Protocol:
        protocol = Protocol()
        wire = _Wire(asyncio.get_running_loop(), protocol, Broken(), None)
        wire.write(b"GET /v1/customers HTTP/1.1\r\nHost: api.tofupay.com\r\n\r\n")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return protocol

    protocol = asyncio.run(scenario())
    assert protocol.received == []
    assert [str(error) for error in protocol.errors] == ["broken"]


def test_request_heads_as_proxies_and_old_clients_send_them() -> None:
    absolute = b"GET http://api.tofupay.com/v1/customers?limit=2 HTTP/1.1\r\nHost: api.tofupay.com"
    assert _parse_head(absolute, 99) == (
        "GET",
        "/v1/customers?limit=2",
        [("Host", "api.tofupay.com")],
        99,
    )
    latin = b"GET / HTTP/1.1\r\nX-Name: Jos\xe9"  # not UTF-8: read as Latin-1
    assert _parse_head(latin, 0)[2] == [("X-Name", "Jos\u00e9")]


def test_a_chunked_body_is_complete_only_with_its_last_chunk() -> None:
    assert _dechunk(b"5\r\nhello\r\n0\r\n\r\n") == b"hello"
    assert _dechunk(b"5\r\nhel") is None  # a chunk cut short
    assert _dechunk(b"5") is None  # its size line cut short
    assert _dechunk(b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == b"hello world"


def test_a_chunked_upload_reaches_the_fake(fake: FakeTofupay) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"email=chunked"
        yield b"%40example.com"

    async def scenario() -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{BASE}/v1/customers",
                data=body(),
                headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
            ) as answer,
        ):
            assert answer.status == 200
            made: dict[str, Any] = await answer.json()
            return made

    assert asyncio.run(scenario())["email"] == "chunked@example.com"


class Picky(Exception):
    """An exception class whose constructor takes no message."""

    def __init__(self) -> None:
        super().__init__("picky")


def test_an_injected_exception_that_takes_no_message_is_still_raised(fake: FakeTofupay) -> None:
    fake.fail_next(Picky)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get(f"{BASE}/v1/customers", headers=AUTH)

    with pytest.raises(Picky, match="picky"):
        asyncio.run(scenario())
    assert [call.status_code for call in fake.calls] == [0]
