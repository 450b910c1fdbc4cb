"""httpx requests read through httpx's private URL parts or, in an httpx without them, its public ones."""

from __future__ import annotations

from itertools import product
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from tofupay_fake.transports._compat_httpx import origin_key, request_of

URLS = [
    "https://api.tofupay.com/v1/customers/cus_a%2Fb?limit=2",
    "https://api.tofupay.com",
    "https://api.tofupay.com/v1/customers?email=a%40b.co",
]


def _public_only(url: httpx.URL) -> Any:
    """The URL as an httpx without ``_uri_reference`` would show it."""
    return SimpleNamespace(
        raw_path=url.raw_path, query=url.query, scheme=url.scheme, host=url.host, port=url.port
    )


@pytest.mark.parametrize("url", URLS)
def test_the_public_fallback_gives_the_same_request(url: str) -> None:
    request = httpx.Request("POST", url, data={"email": "a@b.co"})
    public = SimpleNamespace(
        method=request.method,
        url=_public_only(request.url),
        headers=request.headers,
        content=request.content,
    )
    assert request_of(public) == request_of(request)
    assert request_of(request).path == (url.split(".com", 1)[1].partition("?")[0] or "/")


ORIGINS = [
    "https://api.tofupay.com/v1/customers",
    "https://API.tofupay.com:443/",
    "https://api.tofupay.com.",
    "http://api.tofupay.com",
    "https://api.tofupay.com:8443",
    "https://other.example",
    "https://xn--bcher-kva.example/",
    "https://bücher.example/",
]


@pytest.mark.parametrize(("a", "b"), list(product(ORIGINS, repeat=2)))
def test_origin_keys_are_equal_exactly_when_scheme_host_and_port_are(a: str, b: str) -> None:
    first, second = httpx.URL(a), httpx.URL(b)
    same = (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)
    assert (origin_key(first) == origin_key(second)) is same
    assert origin_key(_public_only(first)) == (first.scheme, first.host, first.port)
