"""Fixture files in server mode: ``serve --fixtures FILE`` and ``POST /_fake/fixtures``.

The control endpoint goes over a real socket to the session's loopback server,
pointed at a fake of each test's own; ``--fixtures`` runs real subprocesses (the
command lines refused before anything listens run ``main`` in this process).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tests.server.served import Served
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay, messages
from tofupay_fake.transports.cli import main

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
DEFAULT = "sk_test_tofupay"
WORLD: dict[str, Any] = {
    "_meta": {"template_version": 0},
    "fixtures": [
        {
            "name": "cus_jenny",
            "path": "/v1/customers",
            "method": "post",
            "params": {"email": "jenny.rosen@example.com", "source": "tok_visa"},
        },
        {
            "name": "card",
            "path": "/v1/customers/${cus_jenny:id}/sources/${cus_jenny:sources.data.0.id}",
            "method": "get",
        },
        {
            "name": "missing",
            "path": "/v1/customers/cus_nope",
            "method": "get",
            "expected_error_type": "invalid_request_error",
        },
    ],
}
BROKEN = {"fixtures": [{"name": "a", "path": "/v1/customers/${cus_jeny:id}", "method": "get"}]}


def listed(client: httpx.Client, key: str) -> list[str]:
    answer = client.get("/v1/customers", auth=(key, ""))
    assert answer.status_code == 200
    return [customer["email"] for customer in answer.json()["data"]]


@pytest.fixture
def fake() -> FakeTofupay:
    return FakeTofupay(seed=0)


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[httpx.Client]:
    """One keep-alive client of the session's server for the whole module."""
    with httpx.Client(verify=SSL_CONTEXT, base_url=server.url) as shared:
        yield shared


@pytest.fixture
def http(server: ServerThread, fake: FakeTofupay, client: httpx.Client) -> httpx.Client:
    """A client of ``fake`` over a real socket."""
    server.app.fake = fake
    return client


# -- POST /_fake/fixtures --------------------------------------------------------------


def test_a_document_loads_under_the_default_key(http: httpx.Client, fake: FakeTofupay) -> None:
    twin = FakeTofupay(seed=0)
    answer = http.post("/_fake/fixtures", json=WORLD)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"fixtures": twin.load_fixtures(WORLD, api_key=DEFAULT)}
    assert listed(http, DEFAULT) == ["jenny.rosen@example.com"]
    calls = http.get("/_fake/calls").json()["data"]
    assert [(call["method"], call["path"]) for call in calls] == [("GET", "/v1/customers")]
    events = http.get("/_fake/events").json()["data"]
    assert [event["type"] for event in events] == ["customer.created", "customer.source.created"]


def test_api_key_in_the_query_and_any_content_type(http: httpx.Client) -> None:
    body = json.dumps(WORLD).encode()
    for content_type in ("application/json", "application/x-www-form-urlencoded", "text/plain"):
        answer = http.post(
            "/_fake/fixtures",
            params={"api_key": KEY},
            content=body,
            headers={"content-type": content_type},
        )
        assert answer.status_code == 200, answer.text
    assert listed(http, KEY) == ["jenny.rosen@example.com"] * 3
    assert listed(http, DEFAULT) == []


def test_the_answers_are_keyed_by_name_with_lists_for_repeat(http: httpx.Client) -> None:
    document = {
        "fixtures": [
            {"name": "many", "path": "/v1/customers", "method": "post", "repeat": 2},
            {"name": "one", "path": "/v1/customers/${many:id}", "method": "get"},
        ]
    }
    found = http.post("/_fake/fixtures", json=document).json()["fixtures"]
    assert list(found) == ["many", "one"]
    assert len(found["many"]) == 2 and found["one"] == found["many"][-1]


BAD_REQUESTS = [
    # (query, body, message, param)
    ({}, b"", messages.CONTROL_FIXTURES_NOT_JSON, None),
    ({}, b"fixtures=x", messages.CONTROL_FIXTURES_NOT_JSON, None),
    ({}, b'"world.json"', messages.CONTROL_FIXTURES_NOT_JSON, None),
    ({}, b"[]", messages.CONTROL_FIXTURES_NOT_JSON, None),
    ({}, b"{}", 'fixtures: the document has no "fixtures" list of steps', None),
    (
        {},
        json.dumps(BROKEN).encode(),
        "fixtures: step 1 ('a'): unknown reference ${cus_jeny:id}: no step is named 'cus_jeny'.",
        None,
    ),
    (
        {},
        json.dumps(
            {"fixtures": [{"name": "a", "path": "/v1/customers", "method": "post", "repeat": 0}]}
        ).encode(),
        "fixtures: step 1 ('a'): repeat must be an integer from 1 to 10000, got 0",
        None,
    ),
    ({"api_key": "pk_test_123"}, json.dumps(WORLD).encode(), None, "api_key"),
    ({"api_key": ""}, json.dumps(WORLD).encode(), None, "api_key"),
    ({"key": KEY}, json.dumps(WORLD).encode(), "Received unknown parameter: key", "key"),
]


@pytest.mark.parametrize(("query", "body", "message", "param"), BAD_REQUESTS)
def test_bad_requests_are_400_and_change_nothing(
    http: httpx.Client,
    fake: FakeTofupay,
    query: dict[str, str],
    body: bytes,
    message: str | None,
    param: str | None,
) -> None:
    fake.add_customer(KEY, email="before@example.com")
    answer = http.post("/_fake/fixtures", params=query, content=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    if message is not None:
        assert error["message"] == message
    assert error.get("param") == param
    assert [customer["email"] for customer in fake.customers()] == ["before@example.com"]
    assert len(fake.events) == 1


def test_a_failing_step_leaves_the_server_s_fake_as_it_was(
    http: httpx.Client, fake: FakeTofupay
) -> None:
    document = {
        "fixtures": [
            *WORLD["fixtures"],
            {"name": "bad", "path": "/v1/customers", "method": "post", "params": {"emial": "x"}},
        ]
    }
    answer = http.post("/_fake/fixtures", json=document)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(
        "fixtures: step 4 ('bad'): POST /v1/customers answered 400 invalid_request_error: "
        '"Received unknown parameter: emial" (param: emial)'
    )
    assert fake.customers() == [] and len(fake.events) == 0
    created = http.post("/v1/customers", auth=(DEFAULT, "")).json()
    assert created == FakeTofupay(seed=0).add_customer(DEFAULT)  # the same id and time


def test_only_post(http: httpx.Client) -> None:
    answer = http.get("/_fake/fixtures")
    assert answer.status_code == 404


# -- serve --fixtures ------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> Path:
    path = tmp_path / "world.json"
    path.write_text(json.dumps(WORLD), encoding="utf-8")
    return path


def test_serve_loads_the_file_before_the_first_request(world: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.json"
    second.write_text(
        json.dumps({"fixtures": [{"name": "b", "path": "/v1/customers", "method": "post",
                                  "params": {"email": "bob@x.io"}}]}),
        encoding="utf-8",
    )  # fmt: skip
    with Served("--port", "0", "--fixtures", str(world), "--fixtures", str(second)) as served:
        served.ready()
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url) as client:
            assert listed(client, DEFAULT) == ["bob@x.io", "jenny.rosen@example.com"]
            assert len(client.get("/_fake/calls").json()["data"]) == 1
        assert served.stop() == 0


def test_serve_fixtures_key_and_api_keys(world: Path) -> None:
    other = "sk_test_otherAccount0000"
    # Two servers of their own, started together.
    with (
        Served(
            "--port", "0", "--fixtures", str(world), "--fixtures-key", KEY, "--fixtures-key", other
        ) as served,
        Served("--port", "0", "--fixtures", str(world), "--api-key", KEY) as by_api_key,
    ):
        served.ready()
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url) as client:
            assert listed(client, KEY) == ["jenny.rosen@example.com"]
            assert listed(client, other) == ["jenny.rosen@example.com"]
            assert listed(client, DEFAULT) == []
        by_api_key.ready()  # without --fixtures-key: under each --api-key
        with httpx.Client(verify=SSL_CONTEXT, base_url=by_api_key.url) as client:
            assert listed(client, KEY) == ["jenny.rosen@example.com"]
        assert served.stop() == 0
        assert by_api_key.stop() == 0


def serve_fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``tofupay-fake serve --port 0 ARGS`` run by ``main`` here: exit 1, nothing on
    stdout; what it printed on stderr."""
    assert main(["serve", "--port", "0", *args]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_serve_refuses_a_world_that_does_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, world: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(BROKEN), encoding="utf-8")
    assert serve_fails(capsys, "--fixtures", str(broken)) == (
        f"tofupay-fake: --fixtures: {broken}: step 1 ('a'): unknown reference ${{cus_jeny:id}}: "
        "no step is named 'cus_jeny'.\n"
    )
    missing = tmp_path / "missing.json"
    assert serve_fails(capsys, "--fixtures", str(missing)) == (
        f"tofupay-fake: --fixtures: {missing}: cannot read the fixture file "
        "(No such file or directory)\n"
    )
    assert serve_fails(capsys, "--fixtures-key", KEY) == (
        "tofupay-fake: --fixtures-key is only used with --fixtures.\n"
    )
    refused = serve_fails(capsys, "--fixtures", str(world), "--fixtures-key", "pk_test_1")
    assert refused.startswith("tofupay-fake: --fixtures-key 'pk_test_1' is not a ")
