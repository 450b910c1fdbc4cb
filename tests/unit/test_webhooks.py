"""sign / verify truth table, and WebhookSender's argument checks (no HTTP)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tofupay_fake import webhooks
from tofupay_fake.webhooks import SignatureError, WebhookSender, sign, verify

NOW = 1_700_000_000
SECRET = "whsec_unitTestSecret0123456789"
EVENT = {"id": "evt_1", "object": "event", "type": "customer.created", "data": {"name": "Zoë"}}
BODY = json.dumps(EVENT, ensure_ascii=False).encode("utf-8")


def digest(body: bytes, t: int, secret: str = SECRET) -> str:
    """The v1 value, computed here independently of the module."""
    return hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()


GOOD = digest(BODY, NOW)
TAMPERED = BODY.replace(b"evt_1", b"evt_2")
NOT_UTF8 = b"\xff\xfe{"
OK = "ok"


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """``time.time()`` (which verify reads through the ``time`` module) returns NOW."""
    monkeypatch.setattr(time, "time", lambda: float(NOW) + 0.75)


# (payload, header, tolerance, expected: OK or a fragment of the SignatureError message)
CASES: dict[str, tuple[bytes | str, str, int, str]] = {
    "valid": (BODY, f"t={NOW},v1={GOOD}", 300, OK),
    "str payload": (BODY.decode(), f"t={NOW},v1={GOOD}", 300, OK),
    "whitespace around items": (BODY, f" t = {NOW} ,  v1 = {GOOD} ", 300, OK),
    "unknown items ignored": (BODY, f"t={NOW},x=1,junk,v1={GOOD},v9=ab", 300, OK),
    "one of several v1 matches": (BODY, f"t={NOW},v1={'0' * 64},v1=zz,v1={GOOD}", 300, OK),
    "v0 beside a good v1": (BODY, f"t={NOW},v0={GOOD},v1={GOOD}", 300, OK),
    "tampered payload": (TAMPERED, f"t={NOW},v1={GOOD}", 300, "No signature matches"),
    "wrong secret": (BODY, f"t={NOW},v1={digest(BODY, NOW, 'whsec_x')}", 300, "No signature matches"),
    "t changed": (BODY, f"t={NOW + 1},v1={GOOD}", 300, "No signature matches"),
    "uppercase hex": (BODY, f"t={NOW},v1={GOOD.upper()}", 300, "No signature matches"),
    "non-ascii v1": (BODY, f"t={NOW},v1=é", 300, "No signature matches"),
    "stale": (
        BODY,
        f"t={NOW - 301},v1={digest(BODY, NOW - 301)}",
        300,
        "Signature timestamp is 301 s old, beyond the tolerance of 300 s",
    ),
    "future": (
        BODY,
        f"t={NOW + 301},v1={digest(BODY, NOW + 301)}",
        300,
        "Signature timestamp is 301 s in the future, beyond the tolerance of 300 s",
    ),
    "old, exactly at tolerance": (BODY, f"t={NOW - 300},v1={digest(BODY, NOW - 300)}", 300, OK),
    "future, exactly at tolerance": (BODY, f"t={NOW + 300},v1={digest(BODY, NOW + 300)}", 300, OK),
    "custom tolerance": (BODY, f"t={NOW - 11},v1={digest(BODY, NOW - 11)}", 10, "11 s old"),
    "tolerance 0: no age check": (BODY, f"t=1,v1={digest(BODY, 1)}", 0, OK),
    "negative tolerance: no age check": (BODY, f"t=1,v1={digest(BODY, 1)}", -5, OK),
    "signature checked before age": (BODY, "t=1,v1=zz", 300, "No signature matches"),
    "empty header": (BODY, "", 300, "header is empty or missing"),
    "blank header": (BODY, "  ", 300, "header is empty or missing"),
    "garbage": (BODY, "garbage", 300, "No timestamp (t=)"),
    "missing t": (BODY, f"v1={GOOD}", 300, "No timestamp (t=)"),
    "t without =": (BODY, f"t,v1={GOOD}", 300, "No timestamp (t=)"),
    "two t": (BODY, f"t={NOW},t={NOW},v1={GOOD}", 300, "More than one timestamp"),
    "t not a number": (BODY, f"t=abc,v1={GOOD}", 300, "t='abc'"),
    "t negative": (BODY, f"t=-5,v1={GOOD}", 300, "is not a whole number"),
    "t empty": (BODY, f"t=,v1={GOOD}", 300, "is not a whole number"),
    "missing v1": (BODY, f"t={NOW}", 300, "No v1 signature in the Tofupay-Signature header"),
    "v0 only": (BODY, f"t={NOW},v0={GOOD}", 300, "No v1 signature"),
    "signed, not JSON": (b"not json", f"t={NOW},v1={digest(b'not json', NOW)}", 300, "not valid JSON"),
    "signed, not UTF-8": (NOT_UTF8, f"t={NOW},v1={digest(NOT_UTF8, NOW)}", 300, "not valid JSON"),
    "signed, JSON list": (b"[1]", f"t={NOW},v1={digest(b'[1]', NOW)}", 300, "JSON list, not an object"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "header", "tolerance", "expected"), CASES.values(), ids=list(CASES)
)
def test_verify(payload: bytes | str, header: str, tolerance: int, expected: str) -> None:
    if expected == OK:
        assert verify(payload, header, SECRET, tolerance=tolerance) == json.loads(payload)
        return
    with pytest.raises(SignatureError) as caught:
        verify(payload, header, SECRET, tolerance=tolerance)
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET[6:] not in str(caught.value)


def test_default_tolerance_is_300_seconds() -> None:
    assert verify(BODY, f"t={NOW - 300},v1={digest(BODY, NOW - 300)}", SECRET) == EVENT
    with pytest.raises(SignatureError, match="beyond the tolerance of 300 s"):
        verify(BODY, f"t={NOW - 301},v1={digest(BODY, NOW - 301)}", SECRET)


def test_verify_reads_the_time_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    header = sign(BODY, SECRET, NOW)
    monkeypatch.setattr(time, "time", lambda: float(NOW + 3600))
    with pytest.raises(SignatureError, match="3600 s old"):
        verify(BODY, header, SECRET)


def test_signature_error_is_a_value_error() -> None:
    assert issubclass(SignatureError, ValueError)


def test_sign_known_answer() -> None:
    body = b'{"id":"evt_1"}'
    # From: printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_known
    known = "68a37d422c7a8b96c533eaf81281025cd110ae84fcf96e4f0307b1bad5f2a1cd"
    assert sign(body, "whsec_known", 1_700_000_000) == f"t=1700000000,v1={known}"


@pytest.mark.parametrize("t", [0, 1, NOW, 2**40])
def test_sign_matches_independent_hmac(t: int) -> None:
    assert sign(BODY, SECRET, t) == f"t={t},v1={digest(BODY, t)}"


def test_sign_then_verify_round_trip() -> None:
    assert verify(BODY, sign(BODY, SECRET, NOW), SECRET) == EVENT


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "localhost:8000/hook", "http://", "", "/hooks"]
)
def test_sender_rejects_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(ValueError, match="must be http:// or https://"):
        WebhookSender(url, SECRET)


@pytest.mark.parametrize("secret", ["sk_test_notAWebhookSecret99", "whsec_", "", "WHSEC_abc"])
def test_sender_rejects_a_secret_without_whsec_prefix(secret: str) -> None:
    with pytest.raises(ValueError, match="'whsec_' followed by the key") as caught:
        WebhookSender("http://127.0.0.1:9/hooks", secret)
    if secret not in ("", "whsec_"):  # a bare prefix is named by the message itself
        assert secret not in str(caught.value)


@pytest.mark.parametrize("options", [{"attempts": 0}, {"backoff": -1.0}, {"timeout": 0.0}], ids=str)
def test_sender_rejects_bad_retry_options(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="attempts must be >= 1"):
        WebhookSender("https://example.com/hooks", SECRET, **options)  # type: ignore[arg-type]


def test_sender_starts_no_thread_until_the_first_event() -> None:
    sender = WebhookSender("https://example.com/hooks", SECRET)
    assert sender._thread is None
    sender.close()
    sender.close()  # idempotent, even with nothing sent
    assert (sender.delivered, sender.failed) == (0, 0)
    assert SECRET not in repr(sender)


def test_header_name() -> None:
    assert webhooks.HEADER == "Tofupay-Signature"
