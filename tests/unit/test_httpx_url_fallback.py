"""The path as sent, from httpx's private URL parts or, in an httpx without them, its public ones."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from tofupay_fake.transports._compat_httpx import raw_path


@pytest.mark.parametrize(
    "url",
    [
        "https://api.tofupay.com/v1/customers/cus_a%2Fb?limit=2",
        "https://api.tofupay.com",
        "https://api.tofupay.com/v1/customers?email=a%40b.co",
    ],
)
def test_the_public_fallback_gives_the_same_path(url: str) -> None:
    parsed = httpx.URL(url)
    public_only = SimpleNamespace(raw_path=parsed.raw_path)  # no _uri_reference
    assert raw_path(public_only) == raw_path(parsed)
    assert raw_path(parsed) == (url.split(".com", 1)[1].partition("?")[0] or "/")
