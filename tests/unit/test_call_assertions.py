"""What ``assert_called`` / ``assert_not_called`` accept and refuse, their exact
failure messages, and the headers a recorded call shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tofupay_fake import FakeTofupay
from tofupay_fake.recorder import CallLog, RecordedCall

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
AUTH = {"Authorization": f"Bearer {KEY}"}
FORM = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}

CREATE = "  1. POST /v1/customers {'email': 'a@b.co', 'metadata': {'vip': 'false'}} -> 200"
RETRIEVE = "  2. GET /v1/customers/cus_missing {} -> 404"


@pytest.fixture
def fake() -> FakeTofupay:
    """A fake (not intercepting) that answered a create and a retrieve of an unknown id."""
    made = FakeTofupay(seed=0)
    made.handle("POST", "/v1/customers", headers=FORM, body=b"email=a@b.co&metadata[vip]=false")
    made.handle("GET", "/v1/customers/cus_missing", headers=AUTH)
    return made


@pytest.mark.parametrize(
    ("method", "path", "options", "made"),
    [
        pytest.param("POST", "/v1/customers", {}, True, id="method-and-path"),
        pytest.param("post", "/v1/customers", {}, True, id="method-any-case"),
        pytest.param("GET", "/v1/customers", {}, False, id="other-method-same-path"),
        pytest.param("POST", "/v1/customers/*", {}, False, id="same-method-other-path"),
        pytest.param("GET", "/v1/customers/*", {}, True, id="star-is-one-segment"),
        pytest.param("POST", "/v1/customers", {"times": 1}, True, id="times-exact"),
        pytest.param("POST", "/v1/customers", {"times": 2}, False, id="times-more"),
        pytest.param("POST", "/v1/customers", {"times": 0}, False, id="times-zero-but-made"),
        pytest.param("DELETE", "/v1/customers/*", {"times": 0}, True, id="times-zero-not-made"),
        pytest.param(
            "POST", "/v1/customers", {"params": {"email": "a@b.co"}}, True, id="params-subset"
        ),
        pytest.param(
            "POST",
            "/v1/customers",
            {"params": {"metadata": {"vip": False}}},
            True,
            id="false-matches-the-form-text",
        ),
        pytest.param(
            "POST",
            "/v1/customers",
            {"params": {"metadata": {"vip": True}}},
            False,
            id="true-is-not-false",
        ),
        pytest.param(
            "POST", "/v1/customers", {"params": {"email": "x@y.co"}}, False, id="params-differ"
        ),
    ],
)
def test_assert_called_passes_exactly_when_a_matching_call_was_made(
    fake: FakeTofupay, method: str, path: str, options: dict[str, Any], made: bool
) -> None:
    if made:
        matches = fake.assert_called(method, path, **options)
        assert all(call.method == method.upper() for call in matches)
    else:
        with pytest.raises(AssertionError):
            fake.assert_called(method, path, **options)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda fake: fake.assert_called("delete", "/v1/tokens/*"),
            "Expected DELETE /v1/tokens/* to be called at least once; it was called 0 time(s).\n"
            f"All calls made:\n{CREATE}\n{RETRIEVE}",
            id="never-no-near-call",
        ),
        pytest.param(
            lambda fake: fake.assert_called("post", "/v1/customers", times=3),
            "Expected POST /v1/customers to be called 3 time(s); it was called 1 time(s).\n"
            f"Closest calls (same method and path first):\n  1. {CREATE[5:]}\n"
            f"All calls made:\n{CREATE}\n{RETRIEVE}",
            id="times",
        ),
        pytest.param(
            lambda fake: fake.assert_called("get", "/v1/customers/*", params={"limit": 3}),
            "Expected GET /v1/customers/* with params {'limit': 3} to be called at least once; "
            "it was called 0 time(s).\n"
            f"Closest calls (same method and path first):\n  1. {RETRIEVE[5:]}\n"
            f"All calls made:\n{CREATE}\n{RETRIEVE}",
            id="params",
        ),
        pytest.param(
            lambda fake: fake.assert_not_called(),
            f"Expected no call; 2 matching call(s).\nCalls made:\n{CREATE}\n{RETRIEVE}",
            id="not-called-at-all",
        ),
        pytest.param(
            lambda fake: fake.assert_not_called("post"),
            f"Expected no POST; 1 matching call(s).\nCalls made:\n{CREATE}\n{RETRIEVE}",
            id="not-called-method",
        ),
        pytest.param(
            lambda fake: fake.assert_not_called(path="/v1/customers/*"),
            f"Expected no /v1/customers/*; 1 matching call(s).\nCalls made:\n{CREATE}\n{RETRIEVE}",
            id="not-called-path",
        ),
        pytest.param(
            lambda fake: fake.assert_not_called("get", "/v1/customers/*"),
            "Expected no GET /v1/customers/*; 1 matching call(s).\n"
            f"Calls made:\n{CREATE}\n{RETRIEVE}",
            id="not-called-method-and-path",
        ),
    ],
)
def test_a_failed_call_assertion_says_what_was_wanted_and_what_was_made(
    fake: FakeTofupay, call: Callable[[FakeTofupay], object], message: str
) -> None:
    with pytest.raises(AssertionError) as info:
        call(fake)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", None, id="method-not-made"),
        pytest.param(None, "/v1/tokens", id="path-not-made"),
        pytest.param("GET", "/v1/customers", id="path-made-with-another-method"),
        pytest.param("POST", "/v1/customers/*", id="method-made-on-another-path"),
    ],
)
def test_assert_not_called_needs_both_method_and_path_to_match(
    method: str | None, path: str | None
) -> None:
    fake = FakeTofupay(seed=0)
    fake.handle("POST", "/v1/customers", headers=FORM, body=b"email=a@b.co")
    fake.assert_not_called(method, path)


def test_a_failure_shows_at_most_five_closest_calls() -> None:
    fake = FakeTofupay(seed=0)
    for number in range(7):
        fake.handle("POST", "/v1/customers", headers=FORM, body=f"description=d{number}".encode())
    with pytest.raises(AssertionError) as info:
        fake.assert_called("POST", "/v1/customers", params={"description": "none"})
    closest = str(info.value).split("Closest calls")[1].split("All calls made")[0]
    assert [line.split(" {")[0] for line in closest.splitlines()[1:]] == [
        f"  {number}. POST /v1/customers" for number in range(1, 6)
    ]


def test_a_recorded_call_shows_its_headers_with_the_key_masked() -> None:
    fake = FakeTofupay(seed=0)
    fake.handle(
        "POST", "/v1/customers", headers={**FORM, "Idempotency-Key": "k1"}, body=b"email=a@b.co"
    )
    headers = fake.calls.last.headers
    assert list(headers) == ["authorization", "content-type", "idempotency-key"]
    assert len(headers) == 3
    assert headers["AUTHORIZATION"] == headers["authorization"] == "Bearer sk_test_****p7dc"
    assert headers["Idempotency-Key"] == "k1"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers.get("Authorization") == "Bearer sk_test_****p7dc"
    assert headers.get("X-Missing") is None
    assert headers.get("X-Missing", "default") == "default"
    with pytest.raises(KeyError):
        headers["X-Missing"]
    assert "Idempotency-Key" in headers
    assert "x-missing" not in headers
    anything: object = 1
    assert anything not in headers
    shown = {
        "authorization": "Bearer sk_test_****p7dc",
        "content-type": "application/x-www-form-urlencoded",
        "idempotency-key": "k1",
    }
    assert dict(headers) == shown
    assert headers == {
        "Authorization": "Bearer sk_test_****p7dc",
        **{k: shown[k] for k in shown if k != "authorization"},
    }
    assert headers != {**shown, "idempotency-key": "k2"}
    pairs: object = [("authorization", "x")]
    assert headers != pairs
    assert repr(headers) == f"MaskedHeaders({shown!r})"
    assert KEY not in repr(headers)


def test_a_recorded_call_gives_copies_a_test_may_change() -> None:
    fake = FakeTofupay(seed=0)
    fake.handle(
        "POST",
        "/v1/customers",
        headers=FORM,
        body=b"email=a@b.co&metadata[plan]=pro&expand[]=default_source",
    )
    call = fake.calls.last
    params = call.params
    params["metadata"]["plan"] = "free"
    params["expand"].append("x")
    params["email"] = "changed"
    response = call.response
    response["metadata"]["plan"] = "free"
    response["email"] = "changed"
    assert call.params == {
        "email": "a@b.co",
        "metadata": {"plan": "pro"},
        "expand": ["default_source"],
    }
    assert (call.response["email"], call.response["metadata"]) == ("a@b.co", {"plan": "pro"})
    assert call.params is not call.params
    fake.assert_called("POST", "/v1/customers", params={"metadata": {"plan": "pro"}})


@pytest.mark.parametrize(("history", "kept"), [(None, 4), (1, 1), (2, 2), (10, 4)])
def test_history_keeps_only_the_newest_calls(history: int | None, kept: int) -> None:
    fake = FakeTofupay(seed=0, history=history)
    for number in range(4):
        fake.handle("POST", "/v1/customers", headers=FORM, body=f"description=d{number}".encode())
    assert [call.params["description"] for call in fake.calls] == [
        f"d{number}" for number in range(4 - kept, 4)
    ]
    assert (fake.calls.call_count, fake.calls.last.params) == (kept, {"description": "d3"})
    fake.assert_called("POST", "/v1/customers", times=kept)


def test_calls_recorded_from_parts_then_appended_whole_all_read_as_calls() -> None:
    fake = FakeTofupay(seed=0)
    fake.handle("POST", "/v1/customers", headers=FORM, body=b"email=a@b.co")
    fake.handle("GET", "/v1/customers", headers=AUTH)
    whole = fake.calls.last
    log = CallLog()
    log.add("POST", "/v1/customers", {"email": "a@b.co"}, {}, KEY, 200, {"id": "cus_1"}, "req_1")
    log.add("GET", "/v1/customers", {}, {}, KEY, 200, {"data": []}, "req_2")
    log.append(whole)
    assert [type(call) for call in log] == [RecordedCall] * 3
    assert [(call.method, call.request_id) for call in log[:2]] == [
        ("POST", "req_1"),
        ("GET", "req_2"),
    ]
    assert log[2] is whole
