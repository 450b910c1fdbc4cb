"""recorder.py: RecordedCall, CallLog filters and the params subset match."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake.recorder import CallLog, RecordedCall, params_match, path_matches

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


def call(
    method: str = "POST",
    path: str = "/v1/customers",
    params: dict[str, Any] | None = None,
    status: int = 200,
    api_key: str | None = KEY,
) -> RecordedCall:
    return RecordedCall(
        method=method,
        path=path,
        params=params or {},
        headers={"authorization": f"Bearer {api_key}"} if api_key else {},
        api_key=api_key,
        idempotency_key=None,
        status_code=status,
        response={},
    )


CREATE = call("POST", "/v1/customers", {"email": "a@b.co", "metadata": {"plan": "pro"}})
RETRIEVE = call("GET", "/v1/customers/cus_1", {"expand": ["default_source"]})
UPDATE = call("POST", "/v1/customers/cus_1", {"account_balance": "5"})
BAD = call("POST", "/v1/customers", {"email": "bad"}, status=400)
DELETE = call("DELETE", "/v1/customers/cus_2")
SOURCES = call("GET", "/v1/customers/cus_1/sources")


@pytest.fixture
def log() -> CallLog:
    return CallLog([CREATE, RETRIEVE, UPDATE, BAD, DELETE, SOURCES])


# -- CallLog -----------------------------------------------------------------


def test_empty_log() -> None:
    log = CallLog()
    assert (log.called, log.call_count, len(log), list(log)) == (False, 0, 0, [])
    with pytest.raises(AssertionError) as info:
        _ = log.last
    assert str(info.value) == "No calls were made to the Tofupay fake."
    assert log.describe() == "  (no calls were made)"


def test_append_last_and_counts() -> None:
    log = CallLog()
    log.append(CREATE)
    assert (log.called, log.call_count, log.last) == (True, 1, CREATE)
    log.append(RETRIEVE)
    assert (log.call_count, log.last, log[0], list(log)) == (
        2,
        RETRIEVE,
        CREATE,
        [CREATE, RETRIEVE],
    )
    log.clear()
    assert (log.called, log.call_count) == (False, 0)


def test_iteration_is_a_snapshot() -> None:
    log = CallLog([CREATE])
    for _ in log:
        log.append(RETRIEVE)  # would loop forever over a live list
    assert log.call_count == 2


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({}, [CREATE, RETRIEVE, UPDATE, BAD, DELETE, SOURCES], id="no-filter"),
        pytest.param({"method": "POST"}, [CREATE, UPDATE, BAD], id="method"),
        pytest.param({"method": "post"}, [CREATE, UPDATE, BAD], id="method-lowercase"),
        pytest.param({"path": "/v1/customers"}, [CREATE, BAD], id="exact-path"),
        pytest.param({"path": "/v1/customers/*"}, [RETRIEVE, UPDATE, DELETE], id="star-segment"),
        pytest.param({"path": "/v1/customers/*/sources"}, [SOURCES], id="star-middle"),
        pytest.param({"path": "/v1/*"}, [CREATE, BAD], id="star-one-segment-only"),
        pytest.param({"path": "/v1/customers/cus_1"}, [RETRIEVE, UPDATE], id="exact-id"),
        pytest.param(
            {"method": "GET", "path": "/v1/customers/*"}, [RETRIEVE], id="method-and-path"
        ),
        pytest.param({"status": 400}, [BAD], id="status"),
        pytest.param({"method": "POST", "status": 200}, [CREATE, UPDATE], id="method-and-status"),
        pytest.param({"params": {"email": "a@b.co"}}, [CREATE], id="params"),
        pytest.param({"params": {"account_balance": 5}}, [UPDATE], id="params-int"),
        pytest.param(
            {"params": {}}, [CREATE, RETRIEVE, UPDATE, BAD, DELETE, SOURCES], id="params-empty"
        ),
        pytest.param({"method": "PUT"}, [], id="no-match"),
    ],
)
def test_filter(log: CallLog, kwargs: dict[str, Any], expected: list[RecordedCall]) -> None:
    found = log.filter(**kwargs)
    assert isinstance(found, CallLog)
    assert list(found) == expected
    assert found.call_count == len(expected)
    assert found.called is bool(expected)


def test_filter_does_not_change_the_log(log: CallLog) -> None:
    log.filter(method="GET").clear()
    assert log.call_count == 6


def test_describe(log: CallLog) -> None:
    lines = log.describe().splitlines()
    assert len(lines) == 6
    assert (
        lines[0]
        == "  1. POST /v1/customers {'email': 'a@b.co', 'metadata': {'plan': 'pro'}} -> 200"
    )
    assert lines[3] == "  4. POST /v1/customers {'email': 'bad'} -> 400"


# -- path_matches, params_match ----------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "ok"),
    [
        ("/v1/customers", "/v1/customers", True),
        ("/v1/customers", "/v1/customers/", False),
        ("/v1/customers", "/v1/customersX", False),
        ("/v1/customers/*", "/v1/customers/cus_1", True),
        ("/v1/customers/*", "/v1/customers/", False),
        ("/v1/customers/*", "/v1/customers/cus_1/sources", False),
        ("/v1/customers/*/sources/*", "/v1/customers/c/sources/card_1", True),
        ("/v1/customers.json", "/v1/customersXjson", False),
        ("/v1/customers/cus_*", "/v1/customers/cus_1", True),
    ],
)
def test_path_matches(pattern: str, path: str, ok: bool) -> None:
    assert path_matches(pattern, path) is ok


SENT = {
    "email": "a@b.co",
    "account_balance": "5",
    "metadata": {"plan": "pro", "seats": "3"},
    "expand": ["default_source"],
    "flag": "true",
}


@pytest.mark.parametrize(
    ("expected", "ok"),
    [
        pytest.param({}, True, id="empty-subset"),
        pytest.param({"email": "a@b.co"}, True, id="one-key"),
        pytest.param({"email": "a@b.co", "account_balance": "5"}, True, id="two-keys"),
        pytest.param({"account_balance": 5}, True, id="int-matches-string"),
        pytest.param({"account_balance": "5"}, True, id="string"),
        pytest.param({"account_balance": 6}, False, id="other-int"),
        pytest.param({"flag": True}, True, id="bool-matches-true"),
        pytest.param({"flag": False}, False, id="bool-mismatch"),
        pytest.param({"metadata": {"plan": "pro", "seats": 3}}, True, id="nested-int"),
        pytest.param({"expand": ["default_source"]}, True, id="list"),
        pytest.param({"expand": ("default_source",)}, True, id="tuple-matches-list"),
        pytest.param({"email": "A@b.co"}, False, id="value-differs"),
        pytest.param({"missing": "x"}, False, id="key-missing"),
        pytest.param({"email": "a@b.co", "missing": "x"}, False, id="one-missing"),
        pytest.param({"expand": "default_source"}, False, id="scalar-vs-list"),
    ],
)
def test_params_match(expected: dict[str, Any], ok: bool) -> None:
    assert params_match(expected, SENT) is ok


# -- RecordedCall ------------------------------------------------------------


def test_repr_masks_the_api_key() -> None:
    text = repr(call("POST", "/v1/customers", {"email": "a@b.co"}))
    assert text == (
        "RecordedCall(POST /v1/customers params={'email': 'a@b.co'} "
        "api_key='sk_test_****s0Jc' status_code=200)"
    )
    assert KEY not in text


def test_repr_without_a_key() -> None:
    text = repr(call("GET", "/v1/customers", status=401, api_key=None))
    assert text == "RecordedCall(GET /v1/customers params={} api_key=None status_code=401)"


def test_log_repr_masks_every_key(log: CallLog) -> None:
    text = repr(log)
    assert KEY not in text
    assert text.count("sk_test_****s0Jc") == 6


def test_recorded_call_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CREATE.status_code = 500  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expected", "sent", "matches"),
    [
        pytest.param(
            {"metadata": {"a": 1}}, {"metadata": {"a": "1", "b": "2"}}, True, id="hash-subset"
        ),
        pytest.param(
            {"metadata": {"a": "2"}}, {"metadata": {"a": "1"}}, False, id="hash-value-differs"
        ),
        pytest.param(
            {"metadata": {"c": "1"}}, {"metadata": {"a": "1"}}, False, id="hash-key-missing"
        ),
        pytest.param({"metadata": {"a": "1"}}, {"metadata": "x"}, False, id="hash-vs-string"),
        pytest.param({"description": None}, {"description": ""}, True, id="none-is-empty"),
        pytest.param({"description": None}, {}, False, id="none-not-sent"),
        pytest.param({"expand": ["a"]}, {"expand": ["a", "b"]}, False, id="arrays-exact"),
        pytest.param({"expand": ["a", "b"]}, {"expand": ["a", "b"]}, True, id="arrays-equal"),
        pytest.param({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": "1", "d": "2"}}}, True, id="deep"),
    ],
)
def test_params_match_is_a_recursive_subset_for_hashes(
    expected: dict[str, Any], sent: dict[str, Any], matches: bool
) -> None:
    assert params_match(expected, sent) is matches


def test_assert_called_failure_shows_the_closest_calls_first() -> None:
    log = CallLog([DELETE, RETRIEVE, UPDATE, SOURCES, CREATE])
    with pytest.raises(AssertionError) as info:
        log.assert_called("POST", "/v1/customers/*", params={"account_balance": "6"})
    text = str(info.value)
    closest = text.split("Closest calls (same method and path first):\n")[1].split("All calls")[0]
    assert closest.splitlines() == [
        "  1. POST /v1/customers/cus_1 {'account_balance': '5'} -> 200",
        "  2. DELETE /v1/customers/cus_2 {} -> 200",
        "  3. GET /v1/customers/cus_1 {'expand': ['default_source']} -> 200",
        "  4. POST /v1/customers {'email': 'a@b.co', 'metadata': {'plan': 'pro'}} -> 200",
    ]
    assert "All calls made:\n  1. DELETE /v1/customers/cus_2" in text


def test_assert_called_failure_without_near_calls_lists_all() -> None:
    log = CallLog([SOURCES])
    with pytest.raises(AssertionError) as info:
        log.assert_called("DELETE", "/v1/customers/*")
    assert "Closest calls" not in str(info.value)
    assert "All calls made:\n  1. GET /v1/customers/cus_1/sources {} -> 200" in str(info.value)
