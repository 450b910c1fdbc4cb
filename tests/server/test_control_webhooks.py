"""Webhooks in server mode: ``POST /_fake/webhooks`` adds a URL endpoint at run time,
``GET /_fake/webhooks/deliveries`` lists every try; ``serve`` takes the secret of
``--webhook-url`` from ``TOFUPAY_WEBHOOK_SECRET``.

The API and control requests go over a real socket to the session's loopback
server; the receiver is a local HTTP server (``tests.server.receiver``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tests.server.receiver import Receiver, down_url, running_receiver
from tests.server.served import Served
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay
from tofupay_fake.webhooks import verify

KEY = "sk_test_controlWebhooks01"
SECRET = "whsec_serverSecret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver("/hooks") as state:
        yield state


@pytest.fixture
def fake(server: ServerThread) -> FakeTofupay:
    made = FakeTofupay(seed=3)
    server.app.fake = made
    return made


@pytest.fixture
def http(server: ServerThread, fake: FakeTofupay) -> Iterator[httpx.Client]:
    with httpx.Client(
        verify=SSL_CONTEXT, base_url=server.url, trust_env=False, timeout=30
    ) as client:
        yield client


def add(http: httpx.Client, **fields: Any) -> httpx.Response:
    return http.post("/_fake/webhooks", json=fields)


def create(http: httpx.Client, key: str = KEY, **data: str) -> dict[str, Any]:
    made = http.post("/v1/customers", auth=(key, ""), data=data)
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    return body


def test_an_endpoint_added_at_run_time_gets_events_before_the_answer(
    http: httpx.Client, receiver: Receiver, fake: FakeTofupay
) -> None:
    added = add(http, url=receiver.url, secret=SECRET)
    assert added.status_code == 200, added.text
    body = added.json()
    assert re.fullmatch(r"we_[0-9A-Za-z]{24}", body.pop("id"))
    assert body == {"url": receiver.url, "events": ["*"]}

    customer = create(http, email="srv@example.com")

    assert len(receiver.requests) == 1  # delivered before the API answered
    delivered = receiver.requests[0]
    event = verify(delivered.body, delivered.headers["tofupay-signature"], SECRET)
    assert event["data"]["object"] == customer
    assert delivered.headers["content-type"] == "application/json"
    assert http.get("/_fake/events").json()["data"] == [event]


def test_deliveries_list_every_try_oldest_first(
    http: httpx.Client, receiver: Receiver, fake: FakeTofupay
) -> None:
    receiver.plan = [500, 502]
    add(http, url=receiver.url, secret=SECRET)
    create(http)
    create(http)
    listed = http.get("/_fake/webhooks/deliveries")
    assert listed.status_code == 200
    ids = [event["id"] for event in fake.events]
    assert listed.json() == {
        "object": "list",
        "data": [
            {"event_id": ids[0], "type": "customer.created", "url": receiver.url, "status": 500, "attempt": 1},
            {"event_id": ids[0], "type": "customer.created", "url": receiver.url, "status": 502, "attempt": 2},
            {"event_id": ids[0], "type": "customer.created", "url": receiver.url, "status": 200, "attempt": 3},
            {"event_id": ids[1], "type": "customer.created", "url": receiver.url, "status": 200, "attempt": 1},
        ],
    }  # fmt: skip
    newest = http.get("/_fake/webhooks/deliveries", params={"limit": "1"}).json()["data"]
    assert [(d["event_id"], d["attempt"]) for d in newest] == [(ids[1], 1)]


def test_a_form_body_with_event_globs_and_an_account(
    http: httpx.Client, receiver: Receiver
) -> None:
    added = http.post(
        "/_fake/webhooks",
        data={
            "url": receiver.url,
            "secret": SECRET,
            "events[]": ["customer.source.*"],
            "api_key": KEY,
        },
    )
    assert added.status_code == 200, added.text
    assert added.json()["events"] == ["customer.source.*"]
    create(http, key="sk_test_someoneElse00001", source="tok_visa")
    create(http, source="tok_visa")
    types = [
        verify(r.body, r.headers["tofupay-signature"], SECRET)["type"] for r in receiver.requests
    ]
    assert types == ["customer.source.created"]


def test_events_as_one_string_with_commas(http: httpx.Client, receiver: Receiver) -> None:
    added = add(http, url=receiver.url, secret=SECRET, events="customer.created, customer.deleted")
    assert added.json()["events"] == ["customer.created", "customer.deleted"]


def test_seeded_customers_are_not_delivered(http: httpx.Client, receiver: Receiver) -> None:
    add(http, url=receiver.url, secret=SECRET)
    seeded = http.post("/_fake/customers", json={"api_key": KEY, "n": 2})
    assert seeded.status_code == 200, seeded.text
    create(http)
    assert len(receiver.requests) == 1
    assert len(http.get("/_fake/events").json()["data"]) == 3


def test_a_receiver_that_is_down_never_breaks_the_api(http: httpx.Client) -> None:
    with down_url() as url:
        add(http, url=url, secret=SECRET)
        create(http)
    tries = http.get("/_fake/webhooks/deliveries").json()["data"]
    assert [(t["status"], t["attempt"]) for t in tries] == [
        (None, 1),
        (None, 2),
        (None, 3),
        (None, 4),
    ]


def test_reset_forgets_the_endpoints(http: httpx.Client, receiver: Receiver) -> None:
    add(http, url=receiver.url, secret=SECRET)
    assert http.post("/_fake/reset").status_code == 200
    create(http)
    assert receiver.requests == []
    assert http.get("/_fake/webhooks/deliveries").json()["data"] == []


BAD: dict[str, tuple[dict[str, Any], str, str]] = {
    "unknown field": ({"url": "http://127.0.0.1:1/h", "secret": SECRET, "mode": "manual"}, "mode",
                      "Received unknown parameter: mode"),
    "no url": ({"secret": SECRET}, "url", "Missing required param: url."),
    "no secret": ({"url": "http://127.0.0.1:1/h"}, "secret", "Missing required param: secret."),
    "url not http": ({"url": "ftp://x/h", "secret": SECRET}, "url", "http:// or https:// URL"),
    "url unparsable": ({"url": "http://[::1/h", "secret": SECRET}, "url", "does not parse"),
    "url the fake": ({"url": "https://api.tofupay.com/h", "secret": SECRET}, "url", "the fake itself"),
    "events unknown": ({"url": "http://127.0.0.1:1/h", "secret": SECRET, "events": ["charge.*"]},
                       "events", "matches no event type"),
    "events not strings": ({"url": "http://127.0.0.1:1/h", "secret": SECRET, "events": [{"a": "b"}]},
                           "events[]", "Invalid string"),
    "bad api_key": ({"url": "http://127.0.0.1:1/h", "secret": SECRET, "api_key": "nope"},
                    "api_key", "not a secret key"),
    "secret not a string": ({"url": "http://127.0.0.1:1/h", "secret": ["x"]}, "secret", "Invalid string"),
}  # fmt: skip


@pytest.mark.parametrize(("fields", "param", "message"), BAD.values(), ids=list(BAD))
def test_bad_input_is_a_400_naming_the_param(
    http: httpx.Client, fake: FakeTofupay, fields: dict[str, Any], param: str, message: str
) -> None:
    answer = add(http, **fields)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert message in error["message"]
    assert fake.webhooks.endpoints == []


def test_deliveries_take_only_limit(http: httpx.Client) -> None:
    answer = http.get("/_fake/webhooks/deliveries", params={"status": "200"})
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "status"


def test_serve_takes_the_secret_from_the_environment(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOFUPAY_WEBHOOK_SECRET", "whsec_fromTheEnvironment")
    with Served("--port", "0", "--webhook-url", receiver.url) as served:
        served.ready()
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            assert client.post("/v1/customers", auth=(KEY, "")).status_code == 200
        delivered = receiver.wait_for(1)[0]
        assert served.stop() == 0
    event = verify(
        delivered.body, delivered.headers["tofupay-signature"], "whsec_fromTheEnvironment"
    )
    assert event["type"] == "customer.created"
    assert "whsec_fromTheEnvironment" not in " ".join(served.proc.args)  # type: ignore[arg-type]
