"""Webhook delivery end to end: the API changes something, a receiver gets the event.

A local receiver (``tests.server.receiver``: an ephemeral 127.0.0.1 port)
records every delivery. The command (``tofupay-fake serve --webhook-url …
--webhook-secret …``) runs as a subprocess; an in-thread variant (the
session's loopback server, a ``WebhookSender`` subscribed to the fake's
events) covers the many-event and stuck-receiver cases quickly.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT
from tests.server.receiver import Received, Receiver, down_url, running_receiver
from tests.server.served import Served
from tests.server_thread import ServerThread
from tofupay_fake import FakeTofupay
from tofupay_fake.webhooks import SignatureError, WebhookSender, verify

SECRET = "whsec_test123"
KEY = "sk_test_webhooksEndToEnd01"
SEEDED_ID = "cus_5V50idQJ7fxkRX"
#: How long a test waits for deliveries before failing (never reached when all is well).
DELIVERY_TIMEOUT = 30.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver("/hook") as state:
        yield state


@pytest.fixture(name="down_url")
def down_url_fixture() -> Iterator[str]:
    """A local port that is bound (so nobody else takes it) but where nothing listens."""
    with down_url("/hook") as url:
        yield url


def verified(deliveries: list[Received]) -> list[dict[str, Any]]:
    """Each delivery's event, checked like a receiving application would."""
    events = []
    for delivery in deliveries:
        assert (delivery.method, delivery.path) == ("POST", "/hook")
        assert delivery.headers["content-type"] == "application/json"
        event = verify(delivery.body, delivery.headers["tofupay-signature"], SECRET)
        # The body is the event's JSON text exactly as the fake keeps it (UTF-8, not escaped).
        assert delivery.body == json.dumps(event, ensure_ascii=False).encode("utf-8")
        events.append(event)
    return events


def webhook_server(url: str, *options: str) -> Served:
    return Served("--port", "0", "--webhook-url", url, "--webhook-secret", SECRET, *options)


# -- the command ---------------------------------------------------------------------


def test_created_and_updated_events_are_delivered_signed_and_in_order(
    receiver: Receiver,
) -> None:
    with webhook_server(receiver.url) as served:
        served.ready()
        assert served.ready_line.endswith(f", webhooks to {receiver.url}")
        with httpx.Client(
            verify=SSL_CONTEXT, base_url=served.url, auth=(KEY, ""), trust_env=False
        ) as client:
            made = client.post("/v1/customers", data={"email": "zoe@example.com"})
            assert made.status_code == 200, made.text
            customer = made.json()
            changed = client.post(f"/v1/customers/{customer['id']}", data={"description": "Zoë"})
            assert changed.status_code == 200, changed.text

            events = verified(receiver.wait_for(2))
            recorded = client.get("/_fake/events").json()["data"]
            assert events == recorded
            assert [e["type"] for e in events] == ["customer.created", "customer.updated"]
            assert events[0]["data"]["object"] == customer
            assert events[1]["data"]["object"] == changed.json()
            assert events[1]["data"]["previous_attributes"] == {"description": None}
            # Customers seeded through the control endpoint are announced too.
            seeded = client.post("/_fake/customers", data={"api_key": KEY, "id": SEEDED_ID})
            assert seeded.status_code == 200, seeded.text
            events = verified(receiver.wait_for(3))
            assert events == client.get("/_fake/events").json()["data"]
            assert events[2]["type"] == "customer.created"
            assert events[2]["data"]["object"]["id"] == SEEDED_ID

        first = receiver.requests[0]
        header = first.headers["tofupay-signature"]
        with pytest.raises(SignatureError):
            verify(first.body.replace(b"zoe@", b"eve@"), header, SECRET)
        with pytest.raises(SignatureError):
            verify(first.body, header, "whsec_another")

        assert served.stop(signal.SIGTERM) == 0
    assert len(receiver.requests) == 3  # nothing sent twice
    assert served.stderr == ""


def test_a_delivery_answered_500_is_retried(receiver: Receiver) -> None:
    receiver.plan = [500]
    with webhook_server(receiver.url) as served:
        served.ready()
        with httpx.Client(
            verify=SSL_CONTEXT, base_url=served.url, auth=(KEY, ""), trust_env=False
        ) as client:
            assert client.post("/v1/customers").status_code == 200
        # The retry comes after the command's default backoff (0.5 s).
        failed, retried = receiver.wait_for(2)
        assert served.stop() == 0
    assert failed.body == retried.body
    assert [e["type"] for e in verified([failed, retried])] == ["customer.created"] * 2
    assert len(receiver.requests) == 2
    assert "failed on attempt 1/4: HTTP 500" in served.stderr
    assert "Gave up" not in served.stderr and "Traceback" not in served.stderr


def test_a_receiver_that_is_down_never_breaks_the_api_and_sigterm_still_exits_0(
    down_url: str,
) -> None:
    # No grace: the deliveries still queued are given up at once when the server stops.
    with webhook_server(down_url, "--grace", "0") as served:
        served.ready()
        with httpx.Client(
            verify=SSL_CONTEXT, base_url=served.url, auth=(KEY, ""), trust_env=False
        ) as client:
            made = client.post("/v1/customers", data={"email": "a@example.com"})
            assert made.status_code == 200, made.text
            customer_id = made.json()["id"]
            fetched = client.get(f"/v1/customers/{customer_id}")
            assert (fetched.status_code, fetched.json()) == (200, made.json())
            listed = client.get("/v1/customers")
            assert listed.status_code == 200
            assert [c["id"] for c in listed.json()["data"]] == [customer_id]
            missing = client.get("/v1/customers/cus_00000000000000")
            assert missing.status_code == 404
            events = client.get("/_fake/events").json()["data"]
            assert [e["type"] for e in events] == ["customer.created"]
            calls = client.get("/_fake/calls").json()["data"]
            assert [c["status_code"] for c in calls] == [200, 200, 200, 404]
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while "failed on attempt 1/4" not in served.stderr:  # the first try has failed
            assert time.monotonic() < deadline, served.stderr
            time.sleep(0.01)
        # Deliveries are still being retried: the server stops anyway, cleanly, at once.
        assert served.stop(signal.SIGTERM) == 0
    assert "Webhook delivery of" in served.stderr and "ConnectError" in served.stderr
    assert "Gave up delivering" in served.stderr  # the retries still queued at the stop
    assert "Traceback" not in served.stderr


# -- in a thread: many events, a stuck receiver -------------------------------------------


@pytest.fixture
def sender_for(server: ServerThread) -> Iterator[Any]:
    """Serves a new fake whose events go to a WebhookSender; closes the senders afterwards."""
    made: list[WebhookSender] = []

    def make(url: str, **options: Any) -> tuple[FakeTofupay, WebhookSender]:
        fake = FakeTofupay(seed=0)
        sender = WebhookSender(url, SECRET, **options)
        made.append(sender)
        fake.events.subscribe(sender.send)
        server.app.fake = fake
        return fake, sender

    yield make
    for sender in made:
        sender.close(timeout=0.5)


def test_many_changes_arrive_in_order_despite_failures(
    server: ServerThread, receiver: Receiver, sender_for: Any
) -> None:
    fake, sender = sender_for(receiver.url, backoff=0.01)
    receiver.plan = [500, 502, 200, 503]
    with httpx.Client(
        verify=SSL_CONTEXT, base_url=server.url, auth=(KEY, ""), trust_env=False
    ) as client:
        ids = []
        for n in range(8):
            made = client.post("/v1/customers", data={"email": f"c{n}@example.com"})
            assert made.status_code == 200, made.text
            ids.append(made.json()["id"])
        card = client.post(f"/v1/customers/{ids[0]}/sources", data={"source": "tok_amex"})
        assert card.status_code == 200, card.text
        assert client.delete(f"/v1/customers/{ids[1]}").status_code == 200
    assert sender.flush(timeout=DELIVERY_TIMEOUT)
    assert (sender.delivered, sender.failed) == (len(fake.events), 0)
    deliveries = receiver.wait_for(len(fake.events) + 3)
    firsts = list(dict.fromkeys(d.body for d in deliveries))  # retries repeat a body
    events = verified([next(d for d in deliveries if d.body == body) for body in firsts])
    assert events == list(fake.events)
    assert [e["type"] for e in events[-3:]] == [
        "customer.source.created",
        "customer.updated",
        "customer.deleted",
    ]


def test_a_stuck_receiver_does_not_hold_up_the_api(
    server: ServerThread, receiver: Receiver, sender_for: Any
) -> None:
    fake, sender = sender_for(receiver.url, backoff=0.01)
    receiver.gate.clear()  # the receiver takes the first delivery and does not answer
    with httpx.Client(
        verify=SSL_CONTEXT, base_url=server.url, auth=(KEY, ""), trust_env=False, timeout=10
    ) as client:
        for n in range(10):
            made = client.post("/v1/customers", data={"email": f"c{n}@example.com"})
            assert made.status_code == 200, made.text
        assert len(client.get("/v1/customers", params={"limit": "100"}).json()["data"]) == 10
    assert len(receiver.wait_for(1)) == 1 and sender.delivered == 0  # still held
    receiver.gate.set()
    assert sender.flush(timeout=DELIVERY_TIMEOUT)
    assert verified(receiver.requests) == list(fake.events)


def test_an_unreachable_receiver_does_not_hold_up_the_api(
    server: ServerThread, down_url: str, sender_for: Any
) -> None:
    fake, sender = sender_for(down_url, backoff=60.0)  # every failed event waits a minute
    with httpx.Client(
        verify=SSL_CONTEXT, base_url=server.url, auth=(KEY, ""), trust_env=False, timeout=10
    ) as client:
        for n in range(5):
            assert client.post("/v1/customers", data={"email": f"c{n}@example.com"}).is_success
        assert len(client.get("/v1/customers").json()["data"]) == 5
    assert len(fake.events) == 5 and sender.delivered == 0
    sender.close(timeout=0.05)  # interrupts the backoff; nothing was delivered
    assert (sender.delivered, sender.failed) == (0, 5)
