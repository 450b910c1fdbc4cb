"""Another tool patching a client library over the fake's own patch, in any order.

Each client library is intercepted at one method (aiohttp's connection
factory, requests' ``HTTPAdapter.send``, urllib's ``do_open``, httpx's
transport lookup). When another tool patches that method after a fake
started, stopping the fake leaves the other patch alone (ours stays inside it,
passing requests on); when the other tool then puts back what it found, the
next fake reuses ours; and once every fake stopped, the library is as it was.
Installing twice changes nothing.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import BASE, KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay
from tofupay_fake.transports import (
    aiohttp_transport,
    httpx_transport,
    intercept,
    requests_transport,
    urllib_transport,
)


def by_aiohttp() -> int:
    async def call() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{BASE}/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
            ) as answer,
        ):
            return answer.status

    return asyncio.run(call())


def by_requests() -> int:
    return requests.get(f"{BASE}/v1/customers", auth=(KEY, ""), timeout=10).status_code


def by_urllib() -> int:
    sent = urllib.request.Request(
        f"{BASE}/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
    )
    with urllib.request.urlopen(sent, timeout=10) as answer:
        status: int = answer.status
    return status


def by_httpx() -> int:
    return httpx.get(f"{BASE}/v1/customers", auth=(KEY, ""), verify=SSL_CONTEXT).status_code


def aiohttp_other(ours: Any) -> Any:
    async def _create_connection(connector: Any, req: Any, traces: Any, timeout: Any) -> Any:
        return await ours(connector, req, traces, timeout)

    return _create_connection


def plain_other(ours: Any) -> Any:
    def other(*args: Any, **kwargs: Any) -> Any:
        return ours(*args, **kwargs)

    return other


LIBRARIES = {
    "aiohttp": (aiohttp.TCPConnector, "_create_connection", aiohttp_transport, by_aiohttp,
                aiohttp_other),
    "requests": (HTTPAdapter, "send", requests_transport, by_requests, plain_other),
    "urllib": (urllib.request.AbstractHTTPHandler, "do_open", urllib_transport, by_urllib,
               plain_other),
    "httpx": (httpx.Client, "_transport_for_url", httpx_transport, by_httpx, plain_other),
}  # fmt: skip


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_a_patch_over_ours_then_gone_and_the_library_put_back(library: str) -> None:
    cls, name, module, reach, wrap = LIBRARIES[library]
    pristine = cls.__dict__[name]
    try:
        first = FakeTofupay().start()
        ours = cls.__dict__[name]
        assert ours is not pristine
        module.install()  # again: nothing changes
        assert cls.__dict__[name] is ours
        assert reach() == 200

        other: Callable[..., Any] = wrap(ours)
        setattr(cls, name, other)  # another tool patches over ours
        first.stop()
        assert cls.__dict__[name] is other  # left alone, ours inside it
        module.uninstall()  # again: nothing changes
        assert cls.__dict__[name] is other

        setattr(cls, name, ours)  # the other tool goes, putting back what it found
        second = FakeTofupay(seed=1).start()
        try:
            assert cls.__dict__[name] is ours  # reused, not wrapped again
            assert reach() == 200
        finally:
            second.stop()
        assert cls.__dict__[name] is pristine
        assert (len(first.calls), len(second.calls)) == (1, 1)
    finally:
        setattr(cls, name, pristine)


def test_stopping_a_fake_that_another_fake_replaced_on_its_host() -> None:
    # Two fakes on one host (other ports): stopping the first hands the host to the second.
    first = FakeTofupay(base_url="https://api.tofupay.com").start()
    second = FakeTofupay(base_url="http://api.tofupay.com:8080", seed=1).start()
    try:
        first.stop()
        refused = intercept.lookup("https", "api.tofupay.com", None)
        assert isinstance(refused, intercept.Refused)  # the host is the second fake's now
        assert "is not the fake's origin (http://api.tofupay.com:8080)" in refused.reason
        assert intercept.lookup("http", "api.tofupay.com", 8080) is second
        first.stop()  # again: nothing changes
        assert intercept.lookup("http", "api.tofupay.com", 8080) is second
        answer = httpx.get(
            "http://api.tofupay.com:8080/v1/customers", auth=(KEY, ""), verify=SSL_CONTEXT
        )
        assert answer.status_code == 200
    finally:
        second.stop()
        first.stop()
    assert (len(first.calls), len(second.calls)) == (0, 1)
