"""Webhook deliveries at their edges: faults over several events, a receiver that flushes
or removes its endpoint while being delivered to, a WSGI app that raises, the objects'
reprs, a secret that is not text, and a bad ``tofupay_seed`` ini value.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import BASE, KEY, SSL_CONTEXT
from tests.plugin._helpers import write_ini
from tofupay_fake import FakeTofupay
from tofupay_fake.webhooks import SignatureError, sign, verify


def create(email: str = "a@example.com") -> None:
    """A customer made over the API (its customer.created event goes to the endpoints)."""
    made = httpx.post(
        f"{BASE}/v1/customers", data={"email": email}, auth=(KEY, ""), verify=SSL_CONTEXT
    )
    assert made.status_code == 200, made.text


class Receiver:
    """A callback target recording the event ids it was given, answering ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.seen: list[str] = []

    def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        self.seen.append(json.loads(body)["id"])
        return self.status


def test_a_fault_for_two_events_spoils_both(fake: FakeTofupay) -> None:
    receiver = Receiver()
    fake.webhooks.deliver_to(callback=receiver)
    fake.webhooks.fail_next("duplicate", times=2)
    for n in range(3):
        create(f"c{n}@example.com")
    fake.webhooks.flush()
    first, second, third = (event["id"] for event in fake.events)
    assert receiver.seen == [first, first, second, second, third]


def test_a_flush_from_inside_a_delivery_delivers_nothing_more(fake: FakeTofupay) -> None:
    inner: list[list[Any]] = []

    def flushing(body: bytes, headers: dict[str, str]) -> int:
        inner.append(fake.webhooks.flush())  # the delivery under way goes on with the queue
        return 200

    fake.webhooks.deliver_to(callback=flushing)
    create()
    create()
    made = fake.webhooks.flush()
    assert inner == [[], []]
    assert [delivery.status for delivery in made] == [200, 200]


def test_an_endpoint_removed_while_it_fails_gets_no_retry(fake: FakeTofupay) -> None:
    tries: list[int] = []

    def failing_then_removed(body: bytes, headers: dict[str, str]) -> int:
        tries.append(1)
        endpoint.remove()
        return 500

    endpoint = fake.webhooks.deliver_to(callback=failing_then_removed)
    create()
    made = fake.webhooks.flush()
    assert len(tries) == 1  # not the 4 tries a failing delivery gets
    assert [(delivery.status, delivery.attempt) for delivery in made] == [(500, 1)]


def test_a_wsgi_app_that_raises_is_a_failed_delivery(fake: FakeTofupay) -> None:
    def broken_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("the receiving app is broken")

    fake.webhooks.deliver_to(wsgi=broken_app)
    create()
    made = fake.webhooks.flush()
    assert [delivery.status for delivery in made] == [None] * 4  # raised, each try
    assert "the receiving app is broken" in made[0].response_body
    assert repr(made[0]) == f"<Delivery {made[0].describe()}>"
    assert repr(made[0]).startswith("<Delivery customer.created evt_")
    assert repr(fake.webhooks) == "<Webhooks endpoints=1 pending=0 deliveries=4>"


def test_a_secret_that_is_not_encodable_text_is_a_signature_error() -> None:
    header = sign(b"{}", "whsec_abc", 1)
    with pytest.raises(SignatureError, match="The secret is not encodable text"):
        verify(b"{}", header, "whsec_\ud800", tolerance=0)


def test_a_tofupay_seed_ini_value_that_is_not_a_number(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "tofupay_seed = twelve")
    pytester.makepyfile("def test_uses_the_fake(tofupay):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*tofupay_seed must be an integer, got 'twelve'*"])
