"""Faults at their edges: an exception fault a server must answer, a faulted request whose
params do not read, and faults kept in a state file that does not hold together."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import KEY
from tofupay_fake import FakeTofupay, messages
from tofupay_fake.faults import InjectedException
from tofupay_fake.persistence import StateError, StateFile

FORM = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}


def over_http(error: str) -> dict[str, Any]:
    return {
        "error": {"type": "api_error", "message": messages.EXCEPTION_OVER_HTTP.format(error=error)}
    }


@pytest.mark.parametrize(
    ("error", "when", "customers"),
    [(KeyError, "before", 0), (KeyError, "after", 1), (TimeoutError, "after", 1)],
)
def test_a_server_answers_an_exception_fault_with_a_500_saying_so(
    error: type[BaseException], when: str, customers: int
) -> None:
    fake = FakeTofupay()
    fake.fail_next(error, when=when)
    response = fake.handle(
        "POST", "/v1/customers", headers=FORM, body=b"email=a%40example.com", raise_exceptions=False
    )
    assert (response.status_code, response.json()) == (500, over_http(error.__name__))
    assert fake.calls.last.status_code == 500
    assert fake.calls.last.response == over_http(error.__name__)
    assert len(fake.customers()) == customers  # "after" made the change before failing


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_network_fault_is_raised_even_by_a_server(when: str) -> None:
    fake = FakeTofupay()
    fake.fail_next("timeout", when=when)
    with pytest.raises(InjectedException) as raised:
        fake.handle("POST", "/v1/customers", headers=FORM, body=b"", raise_exceptions=False)
    assert raised.value.name == "timeout"
    assert fake.calls.last.status_code == 0


def test_a_faulted_request_whose_params_do_not_read_is_recorded_without_params() -> None:
    fake = FakeTofupay()
    fake.fail_next("api_error")
    response = fake.handle("POST", "/v1/customers", headers=FORM, body=b"a[b][c][d][e][f][g]=1")
    assert response.status_code == 500
    call = fake.calls.last
    assert (call.status_code, call.params, call.api_key) == (500, {}, KEY)
    # without the fault the same body is the API's own 400
    assert (
        fake.handle(
            "POST", "/v1/customers", headers=FORM, body=b"a[b][c][d][e][f][g]=1"
        ).status_code
        == 400
    )


# -- faults kept in a state file -------------------------------------------------------


def spoiled_state(tmp_path: Path, field: str, value: Any) -> Path:
    """A state file holding one queued fault whose ``field`` is then set to ``value``."""
    fake = FakeTofupay()
    fake.fail_next("api_error", method="POST", path="/v1/customers")
    path = tmp_path / "state.db"
    with StateFile(path) as state:
        state.resume(fake)
    db = sqlite3.connect(path)
    with db:
        (text,) = db.execute("SELECT state FROM base").fetchone()
        document = json.loads(text)
        document["faults"]["faults"][0][field] = value
        db.execute("UPDATE base SET state = ?", (json.dumps(document),))
    db.close()
    return path


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("method", 5, "a fault's method is 5"),
        ("method", ["POST"], "a fault's method is ['POST']"),
        ("path", {"p": 1}, "a fault's path is {'p': 1}"),
        ("path", True, "a fault's path is True"),
    ],
)
def test_a_kept_fault_of_the_wrong_shape_is_refused(
    tmp_path: Path, field: str, value: Any, named: str
) -> None:
    path = spoiled_state(tmp_path, field, value)
    with StateFile(path) as state, pytest.raises(StateError) as refused:
        state.resume(FakeTofupay())
    assert f"cannot read ({named})" in str(refused.value)


@pytest.mark.parametrize(
    ("field", "method", "path"),
    [("method", "GET", "/v1/customers"), ("path", "POST", "/v1/customers/cus_nobody")],
)
def test_a_kept_fault_without_a_method_or_path_matches_any(
    tmp_path: Path, field: str, method: str, path: str
) -> None:
    """The kept fault was for POST /v1/customers; with ``field`` null it matches wider."""
    state_path = spoiled_state(tmp_path, field, None)
    fake = FakeTofupay()
    with StateFile(state_path) as state:
        state.resume(fake)
    assert fake.handle(method, path, headers=FORM).status_code == 500
    assert fake.handle(method, path, headers=FORM).status_code != 500  # used up


# -- filters of the Python API ---------------------------------------------------------

BAD_FILTERS = [
    # (filters, exception, message after "fail_next"/"latency")
    ({"method": 5}, TypeError,
     " takes method as a string such as 'POST' (or None for any), not 5"),
    ({"method": b"POST"}, TypeError,
     " takes method as a string such as 'POST' (or None for any), not b'POST'"),
    ({"path": 5}, TypeError,
     " takes path as a string such as '/v1/customers/*' (or None for any), not 5"),
    ({"path": ["/v1/customers"]}, TypeError,
     " takes path as a string such as '/v1/customers/*' (or None for any), not ['/v1/customers']"),
    ({"path": "v1/customers"}, ValueError,
     " takes path as the API path, starting with '/' (e.g. '/v1/customers/*'), got 'v1/customers'"),
    ({"path": ""}, ValueError,
     " takes path as the API path, starting with '/' (e.g. '/v1/customers/*'), got ''"),
]  # fmt: skip


@pytest.mark.parametrize(("filters", "kind", "message"), BAD_FILTERS)
def test_bad_filters_are_refused_when_given_and_nothing_is_queued(
    filters: dict[str, Any], kind: type[Exception], message: str
) -> None:
    fake = FakeTofupay()
    with pytest.raises(kind) as refused:
        fake.fail_next("api_error", **filters)
    assert str(refused.value) == "fail_next" + message
    with pytest.raises(kind) as refused:
        fake.latency(2.0, **filters)
    assert str(refused.value) == "latency" + message
    response = fake.handle("GET", "/v1/customers", headers=FORM)
    assert (response.status_code, response.delay) == (200, 0.0)


@pytest.mark.parametrize(
    ("filters", "applies"),
    [
        ({"method": "get"}, True),
        ({"method": ""}, True),  # no method: any
        ({"method": None, "path": None}, True),
        ({"path": "/v1/*"}, True),
        ({"path": "/v1/customers/*"}, False),
        ({"method": "POST"}, False),
    ],
)
def test_good_filters_apply_to_the_requests_they_match(
    filters: dict[str, Any], applies: bool
) -> None:
    fake = FakeTofupay()
    fake.fail_next(503, **filters)
    fake.latency(2.0, **filters)
    response = fake.handle("GET", "/v1/customers", headers=FORM)
    assert (response.status_code, response.delay) == ((503, 2.0) if applies else (200, 0.0))
