"""The control endpoints answer the server's own pages and HTTP clients, not other web pages.

A page of another site may not seed customers with a form post (its
``Origin`` is foreign) nor read ``/_fake/calls`` through a re-pointed domain
name (its ``Host`` is not the server's). ``--allow-origin`` and
``--allow-host`` (``allowed_origins``/``allowed_hosts`` of ``make_app``)
widen that; ``/v1/tokens`` and Tofupay.js stay open to every page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tofupay_fake import FakeTofupay
from tofupay_fake.transports.asgi_app import make_app
from tofupay_fake.transports.cli import main

from .served import Served

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
BASE = "http://127.0.0.1:12111"
FORM = {"content-type": "application/x-www-form-urlencoded"}


class InProcess(httpx.BaseTransport):
    """A sync httpx transport calling an ASGI app in this process (an event loop a request)."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return asyncio.run(answer())


def client(
    fake: FakeTofupay, *, origins: tuple[str, ...] = (), hosts: tuple[str, ...] = ()
) -> httpx.Client:
    app = make_app(fake, allowed_origins=origins, allowed_hosts=hosts)
    return httpx.Client(transport=InProcess(app), base_url=BASE)


@pytest.fixture
def fake() -> FakeTofupay:
    return FakeTofupay()


def seed(http: httpx.Client, **headers: str) -> httpx.Response:
    return http.post(
        "/_fake/customers",
        content=f"api_key={KEY}&email=x@example.com",
        headers={**FORM, **headers},
    )


def assert_forbidden(response: httpx.Response, words: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert words in error["message"]


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://127.0.0.1:9999", "null", "http://localhost.evil:12111"],
)
def test_a_cross_site_form_post_seeds_nothing(fake: FakeTofupay, origin: str) -> None:
    with client(fake) as http:
        assert_forbidden(seed(http, origin=origin), "--allow-origin")
    assert fake.customers() == []


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:12111", "127.0.0.1:9999", "10.0.0.1:12111", "[::1]:1"]
)
def test_a_foreign_host_reads_nothing(fake: FakeTofupay, host: str) -> None:
    fake.seed_customers(1, KEY)
    with client(fake) as http:
        for path in ("/_fake/calls", "/_fake/customers", "/_fake/", "/_fake", "/_fake/snapshot"):
            assert_forbidden(http.get(path, headers={"host": host}), "--allow-host")
        assert_forbidden(seed(http, host=host), "--allow-host")
    assert len(fake.customers()) == 1


@pytest.mark.parametrize(
    "host", ["127.0.0.1:12111", "localhost:12111", "LOCALHOST.:12111", "[::1]:12111"]
)
def test_the_servers_own_names_and_origins_are_answered(fake: FakeTofupay, host: str) -> None:
    with client(fake) as http:
        assert http.get("/_fake/calls", headers={"host": host}).status_code == 200
        same_origin = seed(http, host=host, origin=f"http://{host}")
        assert same_origin.status_code == 200, same_origin.text
        assert seed(http, host=host).status_code == 200  # no Origin: not a cross-site page
        assert http.get("/_fake/calls", headers={"host": "localhost"}).status_code == 200  # by hand
    assert len(fake.customers()) == 2


def test_the_api_tokens_and_tofupay_js_stay_open_to_any_page(fake: FakeTofupay) -> None:
    page = {"origin": "https://shop.example", "host": "api.example"}
    with client(fake) as http:
        script = http.get("/js/v2/tofupay.js", headers=page)
        assert script.status_code == 200
        assert script.headers["access-control-allow-origin"] == "*"
        token = http.post(
            "/v1/tokens",
            content="key=pk_test_abc&card[number]=4242424242424242&card[exp_month]=12"
            "&card[exp_year]=2030",
            headers={**FORM, **page},
        )
        assert token.status_code == 200, token.text
        assert token.headers["access-control-allow-origin"] == "*"
        assert http.get("/openapi.json", headers=page).status_code == 200


def test_allowed_origins_and_hosts_widen_it(fake: FakeTofupay) -> None:
    app_page = "http://localhost:3000"
    with client(fake, origins=(app_page,), hosts=("fake.internal",)) as http:
        allowed = seed(http, origin=app_page)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == app_page
        preflight = http.options("/_fake/customers", headers={"origin": app_page})
        assert preflight.status_code == 204
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert_forbidden(seed(http, origin="https://evil.example"), "--allow-origin")
        assert http.get("/_fake/calls", headers={"host": "fake.internal:8080"}).status_code == 200
        assert_forbidden(http.get("/_fake/calls", headers={"host": "evil.example"}), "Host")
    with client(fake, origins=("*",), hosts=("*",)) as http:
        assert seed(http, origin="https://anyone.example", host="any.example").status_code == 200


def test_make_app_refuses_a_malformed_option(fake: FakeTofupay) -> None:
    with pytest.raises(ValueError, match="allowed_origins takes origins"):
        make_app(fake, allowed_origins=["localhost:3000"])
    with pytest.raises(TypeError, match="list of strings"):
        make_app(fake, allowed_hosts="localhost")


def test_fake_url_serves_the_dashboard_to_its_own_pages() -> None:
    fake = FakeTofupay()
    try:
        url = fake.url
        with httpx.Client(verify=SSL_CONTEXT, base_url=url) as http:
            assert http.get("/_fake/").status_code == 200
            assert seed(http, origin=url).status_code == 200
            assert_forbidden(seed(http, origin="https://evil.example"), "--allow-origin")
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served(
        "--port", "0", "--allow-origin", "http://localhost:3000", "--allow-host", "fake.internal"
    ) as served:
        served.ready()
        yield served
        assert served.stop() == 0


def test_serve_refuses_foreign_pages_and_takes_the_allow_flags(served: Served) -> None:
    with httpx.Client(verify=SSL_CONTEXT, base_url=served.url) as http:
        assert_forbidden(seed(http, origin="https://evil.example"), "--allow-origin")
        assert_forbidden(http.get("/_fake/calls", headers={"host": "evil.example"}), "--allow-host")
        assert seed(http, origin="http://localhost:3000").status_code == 200
        assert seed(http, origin=served.url).status_code == 200
        assert http.get("/_fake/calls", headers={"host": "fake.internal"}).status_code == 200
        customers = http.get("/_fake/customers").json()
        assert customers["total_count"] == 2


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``tofupay-fake serve --port 0 ARGS``, refused before anything listens, run by
    ``main`` here: exit 1, nothing on stdout; its stderr."""
    assert main(["serve", "--port", "0", *args]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_serve_refuses_a_malformed_allow_origin(capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "--allow-origin", "localhost:3000")
    assert err.startswith("tofupay-fake: --allow-origin: allowed_origins takes")
    assert err.count("\n") == 1


def test_serve_refuses_a_malformed_api_key_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(capsys, "--api-key", "sk_test_my_app")
    assert err.count("\n") == 1
    assert err.startswith("tofupay-fake: --api-key 'sk_test_my_app' is not")
    assert "letters and digits" in err and "sk_test_" in err
