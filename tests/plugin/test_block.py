"""The opt-in guard ``tofupay_block``: no request reaches api.tofupay.com outside a fake."""

from __future__ import annotations

import pytest

from ._helpers import write_ini

TESTS = """
import socket

import httpx
import pytest
import requests

def no_dns(*args, **kwargs):
    raise AssertionError(f"DNS lookup {args[:2]} reached the network layer")

@pytest.fixture(autouse=True)
def _no_dns(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

def test_httpx_outside_the_fixture_is_stopped():
    with pytest.raises(httpx.ConnectError, match="tofupay fixture"):
        httpx.get("https://api.tofupay.com/v1/customers")

def test_requests_outside_the_fixture_is_stopped():
    with pytest.raises(requests.ConnectionError, match="tofupay fixture"):
        requests.get("https://api.tofupay.com/v1/customers", timeout=5)

def test_other_schemes_are_stopped_too():
    with pytest.raises(httpx.ConnectError, match="tofupay fixture"):
        httpx.get("http://API.tofupay.com./v1/customers")

def test_the_fixture_still_answers(tofupay):
    response = httpx.get("https://api.tofupay.com/v1/customers", auth=("sk_test_x", ""))
    assert response.status_code == 200
"""


def test_block_stops_requests_that_no_fake_answers(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_block = true")
    pytester.makepyfile(TESTS)
    pytester.runpytest().assert_outcomes(passed=4)


def test_without_block_requests_go_to_the_network_as_usual(pytester: pytest.Pytester) -> None:
    write_ini(pytester)
    pytester.makepyfile(
        """
        import socket

        import httpx
        import pytest

        def test_it_reaches_the_resolver(monkeypatch):
            seen = []

            def fake_dns(host, *args, **kwargs):
                seen.append(host)
                raise socket.gaierror("no network here")

            monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
            with pytest.raises(httpx.ConnectError):
                httpx.get("https://api.tofupay.com/v1/customers")
            assert seen == ["api.tofupay.com"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
