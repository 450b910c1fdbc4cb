"""A network fault with a delay: the client waits that long, or only as long as its read timeout.

``fail_next("connection_error", delay=...)`` makes the client wait, then fail
with its connection error; a ``timeout`` fault held longer than the client's
read timeout ends as the client's own timeout, after that timeout. Both for
sync and asyncio clients. (No durations are asserted; only what the client sees.)
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay


def test_a_delayed_connection_error_reaches_a_sync_client(fake: FakeTofupay) -> None:
    fake.fail_next("connection_error", delay=0.01)
    with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
        with pytest.raises(httpx.ConnectError, match="connection_error injected"):
            client.get("/v1/customers")
        assert client.get("/v1/customers").status_code == 200  # the fault was used up
    assert [call.status_code for call in fake.calls] == [0, 200]


def test_a_timeout_held_past_the_read_timeout_is_a_sync_read_timeout(fake: FakeTofupay) -> None:
    fake.fail_next("timeout", delay=30)
    with httpx.Client(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT, timeout=0.01) as client:
        with pytest.raises(httpx.ReadTimeout, match="no answer within the client's timeout"):
            client.get("/v1/customers")
        assert client.get("/v1/customers").status_code == 200


def test_a_delayed_connection_error_reaches_an_async_client(fake: FakeTofupay) -> None:
    async def scenario() -> int:
        fake.fail_next("connection_error", delay=0.01)
        async with httpx.AsyncClient(base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT) as client:
            with pytest.raises(httpx.ConnectError, match="connection_error injected"):
                await client.get("/v1/customers")
            return (await client.get("/v1/customers")).status_code

    assert asyncio.run(scenario()) == 200


def test_a_timeout_held_past_the_read_timeout_is_an_async_read_timeout(
    fake: FakeTofupay,
) -> None:
    async def scenario() -> int:
        fake.fail_next("timeout", delay=30)
        async with httpx.AsyncClient(
            base_url=BASE, auth=(KEY, ""), verify=SSL_CONTEXT, timeout=0.01
        ) as client:
            with pytest.raises(httpx.ReadTimeout, match="no answer within the client's timeout"):
                await client.get("/v1/customers")
            return (await client.get("/v1/customers")).status_code

    assert asyncio.run(scenario()) == 200
