"""WebhookSender against a real HTTP receiver on 127.0.0.1 (an ephemeral port)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.server.receiver import Receiver, down_url, running_receiver
from tofupay_fake import webhooks
from tofupay_fake.webhooks import SignatureError, WebhookSender, verify

SECRET = "whsec_serverTestSecret0123456789"
FAST = {"backoff": 0.01, "timeout": 10.0}


def event_json(n: int, kind: str = "customer.updated") -> str:
    """An event's JSON text as the fake's EventLog passes it on (non-ASCII kept)."""
    event = {"id": f"evt_{n:024d}", "object": "event", "type": kind, "data": {"name": "Zoë"}}
    return json.dumps(event, ensure_ascii=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver("/hooks") as state:
        yield state


@pytest.fixture
def unreachable_url() -> Iterator[str]:
    """A local port that is bound (so nobody else takes it) but not listening."""
    with down_url("/hooks") as url:
        yield url


@pytest.fixture
def make_sender(receiver: Receiver) -> Iterator[Callable[..., WebhookSender]]:
    """Builds senders (to the receiver by default) and closes them all afterwards."""
    made: list[WebhookSender] = []

    def make(url: str | None = None, **options: Any) -> WebhookSender:
        sender = WebhookSender(url or receiver.url, SECRET, **{**FAST, **options})
        made.append(sender)
        return sender

    yield make
    receiver.gate.set()
    for sender in made:
        sender.close(timeout=0.5)
        assert sender._thread is None or not sender._thread.is_alive()


def test_delivers_exact_body_with_a_signature_verify_accepts(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender()
    text = event_json(1, "customer.created")
    sender.send(text)
    assert sender.flush()
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks")
    assert request.body == text.encode("utf-8")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "tofupay-fake"
    header = request.headers["tofupay-signature"]
    assert verify(request.body, header, SECRET) == json.loads(text)
    assert (sender.delivered, sender.failed) == (1, 0)


def test_a_tampered_copy_of_a_delivery_is_rejected(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender()
    sender.send(event_json(1))
    assert sender.flush()
    [request] = receiver.requests
    tampered = request.body.replace(b"evt_", b"evt_X", 1)
    with pytest.raises(SignatureError, match="No signature matches"):
        verify(tampered, request.headers["tofupay-signature"], SECRET)
    with pytest.raises(SignatureError, match="No signature matches"):
        verify(request.body, request.headers["tofupay-signature"], "whsec_another")


@pytest.mark.parametrize("failures", [1, 3])
def test_retries_after_server_errors_then_succeeds(
    receiver: Receiver, make_sender: Callable[..., WebhookSender], failures: int
) -> None:
    receiver.fail_first(failures, status=500)
    sender = make_sender(attempts=4)
    text = event_json(7)
    sender.send(text)
    assert sender.flush()
    assert (sender.delivered, sender.failed) == (1, 0)
    assert receiver.bodies() == [text.encode()] * (failures + 1)
    for request in receiver.requests:
        assert verify(request.body, request.headers["tofupay-signature"], SECRET)


def test_each_attempt_is_signed_with_a_fresh_timestamp(
    receiver: Receiver,
    make_sender: Callable[..., WebhookSender],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = iter(range(1_000, 2_000))

    class Clock:
        """Stands in for the ``time`` module inside webhooks only; one second per call."""

        @staticmethod
        def time() -> float:
            return float(next(ticks))

    monkeypatch.setattr(webhooks, "time", Clock)
    receiver.fail_first(2, status=503)
    sender = make_sender(attempts=3)
    sender.send(event_json(1))
    assert sender.flush()
    headers = [request.headers["tofupay-signature"] for request in receiver.requests]
    assert [header.partition(",")[0] for header in headers] == ["t=1000", "t=1001", "t=1002"]
    for request, header in zip(receiver.requests, headers, strict=True):
        assert verify(request.body, header, SECRET, tolerance=0)


def test_gives_up_after_attempts_and_logs_warnings(
    receiver: Receiver,
    make_sender: Callable[..., WebhookSender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="tofupay_fake.webhooks")
    receiver.fail_first(10, status=500)
    sender = make_sender(attempts=3)
    text = event_json(42, "customer.deleted")
    sender.send(text)
    assert sender.flush()
    assert (sender.delivered, sender.failed) == (0, 1)
    assert len(receiver.requests) == 3
    records = [r for r in caplog.records if r.name == "tofupay_fake.webhooks"]
    assert [r.levelno for r in records] == [logging.WARNING] * 4
    messages = [r.getMessage() for r in records]
    event_id = json.loads(text)["id"]
    assert all(f"{event_id} (customer.deleted)" in message for message in messages)
    assert [f"attempt {n}/3: HTTP 500" in messages[n - 1] for n in (1, 2, 3)] == [True] * 3
    assert "Gave up" in messages[3] and "after 3 attempt(s)" in messages[3]
    assert SECRET not in caplog.text and SECRET[6:] not in caplog.text


def test_a_success_is_logged_at_debug_only(
    make_sender: Callable[..., WebhookSender], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tofupay_fake.webhooks")
    sender = make_sender()
    sender.send(event_json(3))
    assert sender.flush()
    records = [r for r in caplog.records if r.name == "tofupay_fake.webhooks"]
    assert [r.levelno for r in records] == [logging.DEBUG]
    assert "on attempt 1" in records[0].getMessage()


def test_an_unreachable_url_fails_each_event_and_logs_the_error(
    unreachable_url: str,
    make_sender: Callable[..., WebhookSender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = make_sender(unreachable_url, attempts=2)
    for n in range(3):
        sender.send(event_json(n))
    assert sender.flush()
    assert (sender.delivered, sender.failed) == (0, 3)
    gave_up = [r.getMessage() for r in caplog.records if "Gave up" in r.getMessage()]
    assert [event_json(n)[8:35] in message for n, message in enumerate(gave_up)] == [True] * 3
    assert all("ConnectError" in message for message in gave_up)
    assert SECRET not in caplog.text


def test_send_returns_at_once_while_the_receiver_is_stuck(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.gate.clear()
    sender = make_sender()
    texts = [event_json(n) for n in range(100)]
    for text in texts:
        sender.send(text)
    # Every send returned while the first delivery is still held by the receiver.
    assert sender.delivered == 0 and len(receiver.requests) <= 1
    assert sender.flush(timeout=0.05) is False
    receiver.gate.set()
    assert sender.flush(timeout=30)
    assert sender.delivered == 100
    assert receiver.bodies() == [text.encode() for text in texts]


def test_send_returns_at_once_for_an_unreachable_url_and_close_interrupts_backoff(
    unreachable_url: str, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender(unreachable_url, attempts=5, backoff=60.0)
    for n in range(100):
        sender.send(event_json(n))
    assert sender.delivered == 0 and sender.failed < 100  # all queued behind a 60 s backoff
    sender.close(timeout=0.05)  # waits no 60 s: the backoff wait is interrupted
    assert sender._thread is not None and not sender._thread.is_alive()
    assert (sender.delivered, sender.failed) == (0, 100)


def test_order_is_kept_across_many_events_and_retries(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.plan = [500, 200, 502, 200, 200, 503, 503, 200] * 5  # at most 2 in a row
    sender = make_sender(attempts=3)
    texts = [event_json(n) for n in range(60)]
    for text in texts:
        sender.send(text)
    assert sender.flush(timeout=30)
    assert (sender.delivered, sender.failed) == (60, 0)
    delivered_order = list(dict.fromkeys(receiver.bodies()))
    assert delivered_order == [text.encode() for text in texts]


def test_close_drains_the_queue_and_is_idempotent(
    receiver: Receiver,
    make_sender: Callable[..., WebhookSender],
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.fail_first(2)
    sender = make_sender(attempts=3)
    texts = [event_json(n) for n in range(20)]
    for text in texts:
        sender.send(text)
    sender.close()
    assert (sender.delivered, sender.failed) == (20, 0)
    assert list(dict.fromkeys(receiver.bodies())) == [text.encode() for text in texts]
    sender.close()
    sender.send(event_json(99))  # after close: dropped with a warning, never sent
    assert (sender.delivered, sender.failed) == (20, 1)
    assert len(receiver.requests) == 22
    assert "closed; dropped evt_000000000000000000000099" in caplog.text


def test_context_manager_closes_and_delivers(receiver: Receiver) -> None:
    with WebhookSender(receiver.url, SECRET, backoff=0.01) as sender:
        sender.send(event_json(1))
        sender.send(event_json(2))
    assert sender.delivered == 2
    assert sender._thread is not None and not sender._thread.is_alive()


def test_text_that_is_not_an_event_is_still_delivered(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender()
    sender.send("[1, 2]")
    assert sender.flush()
    assert receiver.bodies() == [b"[1, 2]"]


def test_importing_webhooks_does_not_import_httpx() -> None:
    code = "import sys, tofupay_fake.webhooks; print('httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr
