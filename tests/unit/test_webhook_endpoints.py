"""``fake.webhooks`` without HTTP: argument checks, endpoint bookkeeping, the bounded
queue and log, and ``verify`` fuzzed (it raises SignatureError and nothing else)."""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tofupay_fake import FakeTofupay
from tofupay_fake.deliveries import FAULTS, TRIES, Endpoint
from tofupay_fake.events import TYPES
from tofupay_fake.webhooks import SignatureError, sign, verify

KEY = "sk_test_unitWebhooks0001"
SECRET = "whsec_test_secret"


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    """The smallest ASGI app."""


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    """The smallest WSGI app."""
    start_response("200 OK", [])
    return [b""]


def ok(body: bytes, headers: dict[str, str]) -> int:
    return 200


@pytest.fixture
def fake() -> FakeTofupay:
    return FakeTofupay()


def created(fake: FakeTofupay, key: str = KEY) -> None:
    """An API request that records one ``customer.created`` event."""
    answer = fake.handle("POST", "/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    fake.deliver_webhooks()


# -- bad input ---------------------------------------------------------------------------

BAD: dict[str, tuple[dict[str, Any], type[Exception], str]] = {
    "no target": ({}, TypeError, "exactly one target: asgi= .* got none"),
    "two targets": ({"asgi": asgi_app, "callback": ok}, TypeError, "got asgi=, callback="),
    "callback not callable": ({"callback": 200}, TypeError, r"callback= takes a callable \(body"),
    "asgi not callable": ({"asgi": "app"}, TypeError, "asgi= takes an ASGI app"),
    "wsgi app as asgi": ({"asgi": wsgi_app}, TypeError, "looks like a WSGI app.*pass it as wsgi="),
    "asgi app as wsgi": ({"wsgi": asgi_app}, TypeError, "looks like an ASGI app.*pass it as asgi="),
    "url not a string": ({"url": b"http://x"}, TypeError, "url= takes a string"),
    "url without scheme": ({"url": "example.com/hooks"}, ValueError, "http:// or https:// URL"),
    "ftp url": ({"url": "ftp://example.com/hooks"}, ValueError, "http:// or https:// URL"),
    "url bad port": ({"url": "http://example.com:99999/"}, ValueError, "does not parse"),
    "url bad ipv6": ({"url": "http://[::1/hooks"}, ValueError, "does not parse"),
    "unknown mode": ({"callback": ok, "mode": "later"}, ValueError, "'manual' or 'auto', got 'later'"),
    "secret not str": ({"callback": ok, "secret": b"whsec_x"}, TypeError, "secret= takes a string"),
    "empty secret": ({"callback": ok, "secret": ""}, ValueError, "secret= must not be empty"),
    "events not strings": ({"callback": ok, "events": [1]}, TypeError, "takes strings"),
    "events not iterable": ({"callback": ok, "events": 5}, TypeError, "event type globs"),
    "events empty": ({"callback": ok, "events": []}, ValueError, "nothing would be delivered"),
    "events unknown": ({"callback": ok, "events": ["charge.*"]}, ValueError, "matches no event type"),
    "events wrong case": ({"callback": ok, "events": "Customer.*"}, ValueError, "matches no event"),
    "api_key not a key": ({"callback": ok, "api_key": "pk_test_abc"}, ValueError, "not a secret key"),
    "api_key not str": ({"callback": ok, "api_key": 7}, TypeError, "api_key= takes"),
    "path not str": ({"callback": ok, "path": 1}, TypeError, "path= takes a string"),
    "path relative": ({"callback": ok, "path": "hooks"}, ValueError, "must start with '/'"),
    "timestamp not callable": ({"callback": ok, "timestamp": 5}, TypeError, "callable returning"),
}  # fmt: skip


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD.values(), ids=list(BAD))
def test_bad_arguments_say_what_was_expected(
    fake: FakeTofupay, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        fake.webhooks.deliver_to(**kwargs)
    assert fake.webhooks.endpoints == []


@pytest.mark.parametrize(
    ("kind", "times", "error", "message"),
    [
        ("timeout", 1, ValueError, "one of 'duplicate', 'out_of_order'"),
        ("duplicate", 0, ValueError, "times= takes a whole number >= 1"),
        ("duplicate", True, ValueError, "times= takes a whole number"),
        ("duplicate", "2", ValueError, "times= takes a whole number"),
    ],
)
def test_bad_faults_say_what_was_expected(
    fake: FakeTofupay, kind: str, times: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        fake.webhooks.fail_next(kind, times)


def test_every_glob_that_matches_a_type_is_accepted(fake: FakeTofupay) -> None:
    globs = [*TYPES, "*", "customer.*", "customer.source.*", "*.deleted", "customer.[cu]*"]
    endpoint = fake.webhooks.deliver_to(callback=ok, events=globs)
    assert endpoint.events == tuple(globs)


def test_the_endpoint_describes_itself_without_its_secret(fake: FakeTofupay) -> None:
    endpoint = fake.webhooks.deliver_to(
        url="http://127.0.0.1:8000/in", secret="whsec_hidden", api_key=KEY, events="customer.*"
    )
    assert isinstance(endpoint, Endpoint) and re.fullmatch(r"we_[0-9A-Za-z]{24}", endpoint.id)
    assert (endpoint.kind, endpoint.url, endpoint.path, endpoint.mode) == (
        "url", "http://127.0.0.1:8000/in", "/in", "manual",
    )  # fmt: skip
    text = repr(endpoint)
    assert "whsec_hidden" not in text and KEY not in text and "sk_test_****0001" in text
    assert FakeTofupay().webhooks.deliver_to(callback=ok).id == endpoint.id  # same seed, same id


def test_an_unused_fake_pays_nothing_for_webhooks() -> None:
    fake = FakeTofupay()
    created(fake)
    assert fake._webhooks is None
    fake.webhooks.deliver_to(callback=ok).remove()
    assert fake.events._listeners == []


# -- queue and log -------------------------------------------------------------------------


def test_the_queue_and_the_log_keep_at_most_history_entries() -> None:
    fake = FakeTofupay(history=5)
    fake.webhooks.deliver_to(callback=lambda body, headers: 500)  # manual: nobody flushes
    for _ in range(12):
        created(fake)
    assert (fake.webhooks.pending, fake.webhooks.dropped) == (5, 7)
    made = fake.webhooks.flush()
    assert len(made) == 5 * TRIES
    kept = fake.webhooks.deliveries
    assert len(kept) == 5 and kept == made[-5:]


def test_flush_with_no_endpoint_is_empty(fake: FakeTofupay) -> None:
    assert fake.webhooks.flush() == []
    assert fake.webhooks.deliveries == []
    assert "no deliveries were made" in fake.webhooks.describe()


def test_every_fault_kind_is_known() -> None:
    assert FAULTS == ("duplicate", "out_of_order", "bad_signature", "stale_timestamp")


def test_a_timestamp_that_raises_is_a_failed_try(fake: FakeTofupay) -> None:
    def broken() -> int:
        raise OSError("no clock")

    fake.webhooks.deliver_to(callback=ok, mode="auto", timestamp=broken)
    created(fake)
    assert {d.response_body for d in fake.webhooks.deliveries} == {
        "timestamp= raised OSError: no clock"
    }
    assert len(fake.webhooks.deliveries) == TRIES


# -- verify: SignatureError and nothing else ------------------------------------------------

headers = st.one_of(
    st.text(),
    st.builds(
        lambda t, v, rest: f"t={t},v1={v}{rest}",
        st.one_of(st.integers(), st.text(max_size=30)),
        st.text(max_size=70),
        st.text(max_size=20),
    ),
    st.none(),
    st.binary(),
    st.integers(),
)
payloads = st.one_of(st.binary(), st.text(), st.none(), st.integers())


@settings(max_examples=600, deadline=None)
@given(payload=payloads, header=headers, tolerance=st.integers(-10, 10**6))
def test_verify_raises_only_signature_error(payload: Any, header: Any, tolerance: int) -> None:
    with contextlib.suppress(SignatureError):
        verify(payload, header, SECRET, tolerance)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.binary(), st.text().map(str.encode)), skew=st.integers(-(10**20), 10**20))
def test_verify_of_a_signed_body_raises_only_signature_error(body: bytes, skew: int) -> None:
    """A correct signature over anything: deep JSON, huge or negative times, bad text."""
    stamp = abs(int(time.time()) + skew)
    try:
        event = verify(body, sign(body, SECRET, stamp), SECRET, tolerance=0)
    except SignatureError:
        return
    assert event == json.loads(body)


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, "\ud800".encode("utf-8", "surrogatepass")]
)
def test_verify_of_hostile_signed_bodies(body: bytes) -> None:
    with pytest.raises(SignatureError):
        verify(body, sign(body, SECRET, 1), SECRET, tolerance=0)


def test_verify_of_a_huge_timestamp() -> None:
    with pytest.raises(SignatureError, match="not a whole number"):
        verify(b"{}", "t=" + "9" * 5000 + ",v1=00", SECRET)


def test_verify_of_a_str_payload_with_lone_surrogates() -> None:
    with pytest.raises(SignatureError, match="No signature matches"):
        verify("\ud800", "t=1,v1=00", SECRET, tolerance=0)


def test_verify_with_a_secret_that_is_not_text_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="secret must be a string"):
        verify(b"{}", "t=1,v1=00", b"whsec_x")  # type: ignore[arg-type]
