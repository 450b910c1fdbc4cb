"""Client transports at their edges: a status with no reason phrase, a request passed on to
the network by respx after its router went, a fake stopped that never held its origin, two
responses mocks stopped in turn over the fake's patch, and a receiving ASGI app that calls the
API while its own auto-mode delivery is under way.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import httpx
import pytest
import requests
import responses
import respx
from requests.adapters import HTTPAdapter

from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay
from tofupay_fake.transports import intercept

AUTH = {"Authorization": f"Bearer {KEY}"}


def test_urllib_gets_a_status_with_no_reason_phrase(fake: FakeTofupay) -> None:
    fake.fail_next(599)
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(urllib.request.Request(f"{BASE}/v1/customers", headers=AUTH))
    assert (failed.value.code, failed.value.reason) == (599, "")
    failed.value.close()


def test_aiohttp_gets_a_status_with_no_reason_phrase(fake: FakeTofupay) -> None:
    fake.fail_next(599)

    async def scenario() -> tuple[int, str | None]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{BASE}/v1/customers", headers=AUTH) as answer,
        ):
            return answer.status, answer.reason

    assert asyncio.run(scenario()) == (599, "Unknown")


def test_respx_passes_other_requests_on_once_its_router_went(fake: FakeTofupay) -> None:
    router = respx.mock(using="httpx", assert_all_called=False)
    router.get("https://other.example/").respond(204)
    router.start()
    with httpx.Client(verify=SSL_CONTEXT) as client:
        assert client.get("https://other.example/").status_code == 204
        router.stop()
        # Only the fake's router is left in respx's mocker: a request that is not for the
        # fake goes to the network, here the fake's own loopback server.
        served = client.get(f"{fake.url}/v1/customers", headers=AUTH)
    assert served.status_code == 200
    assert [call.path for call in fake.calls] == ["/v1/customers"]


def test_stopping_the_interception_of_a_fake_that_never_held_its_origin(
    fake: FakeTofupay,
) -> None:
    other = FakeTofupay(seed=1)  # same origin, never started
    intercept.stop(other)
    assert intercept.lookup("https", "api.tofupay.com", None) is fake
    assert httpx.get(f"{BASE}/v1/customers", headers=AUTH, verify=SSL_CONTEXT).status_code == 200


def test_two_responses_mocks_stopped_in_turn_over_a_stopped_fake() -> None:
    original_send = HTTPAdapter.__dict__["send"]
    original_stop = responses.RequestsMock.__dict__["stop"]
    fake = FakeTofupay().start()
    outer = responses.RequestsMock(assert_all_requests_are_fired=False)
    outer.start()  # wraps the fake's patch
    fake.stop()  # the fake's patch stays inside the outer mock's
    inner = responses.RequestsMock(assert_all_requests_are_fired=False)
    inner.start()
    inner.add(responses.GET, "https://example.test/ping", status=204)
    assert requests.get("https://example.test/ping").status_code == 204
    inner.stop()  # the outer mock's patch is back; the fake's still inside it
    assert responses.RequestsMock.__dict__["stop"] is not original_stop
    outer.stop()  # the fake's patch goes with it, and so does the hook
    assert HTTPAdapter.__dict__["send"] is original_send
    assert responses.RequestsMock.__dict__["stop"] is original_stop


def test_an_asgi_receiver_calling_the_api_during_its_auto_delivery(fake: FakeTofupay) -> None:
    received: list[str] = []

    async def receiver(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        received.append(json.loads(message["body"])["type"])
        if len(received) == 1:  # the first delivery makes one more customer, over the API
            async with httpx.AsyncClient(verify=SSL_CONTEXT) as client:
                made = await client.post(f"{BASE}/v1/customers", headers=AUTH)
                assert made.status_code == 200
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake.webhooks.deliver_to(asgi=receiver, mode="auto")

    async def scenario() -> int:
        async with httpx.AsyncClient(verify=SSL_CONTEXT) as client:
            return (await client.post(f"{BASE}/v1/customers", headers=AUTH)).status_code

    assert asyncio.run(scenario()) == 200
    # The nested call's event is delivered by the delivery already under way, after the first.
    assert received == ["customer.created", "customer.created"]
    assert [delivery.status for delivery in fake.webhooks.deliveries] == [200, 200]
