"""Nothing escapes through httpx or httpx2: every spelling of the fake's host is the fake's.

A request for the fake's domain on another scheme or port fails in the client
with its own ConnectError naming the fake's base_url, before any DNS lookup
or connection; a fake on an IP address owns only its exact origin.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest

from tests.conftest import KEY, SSL_CONTEXT
from tofupay_fake import FakeTofupay

LIBS = [pytest.param(httpx, id="httpx"), pytest.param(httpx2, id="httpx2")]


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every DNS lookup and connection attempt made, by host (none should be the fake's)."""
    seen: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(host))
        if "tofupay" in str(host).lower():
            raise AssertionError(f"DNS lookup of {host} reached the network layer")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(str(address))
        if "tofupay" in str(address).lower():
            raise AssertionError(f"connect to {address} reached the network layer")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield seen


def _send(lib: Any, url: str, is_async: bool) -> Any:
    if not is_async:
        with lib.Client(verify=SSL_CONTEXT) as client:
            return client.get(url, auth=(KEY, ""))

    import asyncio

    async def go() -> Any:
        async with lib.AsyncClient(verify=SSL_CONTEXT) as client:
            return await client.get(url, auth=(KEY, ""))

    return asyncio.run(go())


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(
    "url",
    [
        "https://api.tofupay.com/v1/customers",
        "https://API.Tofupay.COM/v1/customers",
        "https://api.tofupay.com./v1/customers",
        "https://API.TOFUPAY.COM./v1/customers",
        "https://api.tofupay.com:443/v1/customers",
    ],
)
def test_every_spelling_of_the_origin_is_answered(
    fake: FakeTofupay, network: list[str], lib: Any, is_async: bool, url: str
) -> None:
    response = _send(lib, url, is_async)
    assert response.status_code == 200
    assert response.json()["object"] == "list"
    assert fake.calls.last.path == "/v1/customers"
    assert network == []


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize(
    "url",
    [
        "http://api.tofupay.com/v1/customers",
        "http://api.tofupay.com./v1/customers",
        "https://api.tofupay.com:8443/v1/customers",
        "http://API.tofupay.com:443/v1/customers",
        "https://api.tofupay.com:80/v1/customers",
    ],
)
def test_other_schemes_and_ports_of_the_host_never_reach_the_network(
    fake: FakeTofupay, network: list[str], lib: Any, is_async: bool, url: str
) -> None:
    with pytest.raises(lib.ConnectError) as refused:
        _send(lib, url, is_async)
    assert "https://api.tofupay.com" in str(refused.value)
    assert "not the fake's origin" in str(refused.value)
    assert network == []
    assert len(fake.calls) == 0


def test_a_fake_on_an_ip_address_owns_only_its_exact_origin(network: list[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    with FakeTofupay(base_url=origin) as fake:
        assert (
            httpx.get(f"{origin}/v1/customers", auth=(KEY, ""), verify=SSL_CONTEXT).status_code
            == 200
        )
        with pytest.raises(httpx.ConnectError) as elsewhere:  # nothing listens there: real
            httpx.get(
                f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/v1/customers",
                verify=SSL_CONTEXT,
            )
        assert "not the fake's origin" not in str(elsewhere.value)
    assert len(fake.calls) == 1


def test_after_stop_the_host_is_no_longer_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTofupay().start()
    fake.stop()
    looked_up: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        raise socket.gaierror("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://api.tofupay.com/v1/customers", verify=SSL_CONTEXT)
    assert looked_up == ["api.tofupay.com"]  # it went to the (stubbed) network, as without us


@pytest.mark.parametrize("lib", LIBS)
def test_clients_with_their_own_transport_and_mounts_are_answered(
    fake: FakeTofupay, network: list[str], lib: Any
) -> None:
    tls = {"verify": SSL_CONTEXT}
    transport = lib.HTTPTransport(retries=2, **tls)
    mounted = {
        "https://": lib.HTTPTransport(**tls),
        "all://api.tofupay.com": lib.HTTPTransport(**tls),
    }
    with lib.Client(transport=transport, **tls) as client:
        assert client.get("https://api.tofupay.com/v1/customers", auth=(KEY, "")).status_code == 200
    with lib.Client(mounts=mounted, **tls) as client:
        assert client.get("https://api.tofupay.com/v1/customers", auth=(KEY, "")).status_code == 200
    url = "https://api.tofupay.com/v1/customers"
    assert lib.get(url, auth=(KEY, ""), **tls).status_code == 200
    assert len(fake.calls) == 3
    assert network == []


def test_httpx_and_httpx2_answer_the_same_bytes() -> None:
    bodies = []
    for lib in (httpx, httpx2):
        with (
            FakeTofupay(seed=5),
            lib.Client(base_url="https://api.tofupay.com", verify=SSL_CONTEXT) as client,
        ):
            made = client.post("/v1/customers", auth=(KEY, ""), data={"source": "tok_visa"})
            listed = client.get("/v1/customers", auth=(KEY, ""), params={"limit": 1})
            bodies.append((made.content, listed.content, made.headers["request-id"]))
    assert bodies[0] == bodies[1]


def test_httpx2_alias_is_intercepted_once(tmp_path: Any) -> None:
    import subprocess
    import sys

    script = (
        "import httpx2; httpx2.alias_httpx()\n"
        "import httpx\n"
        "assert httpx is httpx2\n"
        "from tofupay_fake import FakeTofupay\n"
        "with FakeTofupay() as fake:\n"
        "    r = httpx.post('https://api.tofupay.com/v1/customers', auth=('sk_test_x', ''))\n"
        "    assert r.status_code == 200, r.text\n"
        "    assert len(fake.calls) == 1\n"
        "assert httpx.Client._transport_for_url.__name__ == '_transport_for_url'\n"
        "assert not hasattr(httpx.Client._transport_for_url, 'tofupay_owner')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
