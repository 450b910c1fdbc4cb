"""What the dashboard reads from the control API: filtered calls with their responses,
filtered events, queued faults, and the customers of every account with masked keys;
and the files the dashboard and Tofupay.js are made of.

Everything goes over a real socket to the session's loopback server, pointed at
each test's own fake; answers are also checked against the OpenAPI document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import tofupay_fake
from tests.conftest import KEY, OTHER_KEY, Api
from tests.unit.openapi_helpers import load_document, pointer, response_at, schema_errors
from tofupay_fake import FakeTofupay

MASKED_KEY = "sk_test_****s0Jc"
MASKED_OTHER = "sk_test_****0000"
IRE = "invalid_request_error"


@pytest.fixture
def fake() -> FakeTofupay:
    return FakeTofupay(seed=11)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return load_document()


def answer(
    doc: dict[str, Any], http: Api, path: str, query: dict[str, str] | None = None
) -> list[Any]:
    """The ``data`` of a 200 control answer, checked against the document."""
    response = http.get(path, key=None, params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    at = response_at(doc, "GET", path, 200) + pointer("content", "application/json", "schema")
    assert schema_errors(doc, body, at) == []
    data: list[Any] = body["data"]
    return data


def refused(http: Api, path: str, query: dict[str, str]) -> dict[str, Any]:
    response = http.get(path, key=None, params=query)
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == IRE
    return error


def journal(http: Api) -> dict[str, Any]:
    """Five calls of two accounts: 200, 404, 401, 200 (POST by id), 200 (list)."""
    made = http.post("/v1/customers", data={"email": "ada@example.com"}).json()
    http.get("/v1/customers/cus_00000000000000")
    http.get("/v1/customers", key=None)
    http.post(f"/v1/customers/{made['id']}", data={"description": "VIP"})
    http.get("/v1/customers", key=OTHER_KEY, params={"limit": "3"})
    return made  # type: ignore[no-any-return]


def query_id(query: dict[str, str]) -> str:
    return "&".join(f"{name}={value}" for name, value in query.items()) or "none"


# -- GET /_fake/calls ---------------------------------------------------------------------


def test_every_call_carries_the_body_the_client_got(
    doc: dict[str, Any], http: Api, fake: FakeTofupay
) -> None:
    made = http.post("/v1/customers", data={"email": "ada@example.com"})
    missing = http.get("/v1/customers/cus_00000000000000")
    calls = answer(doc, http, "/_fake/calls")
    assert [call["response"] for call in calls] == [made.json(), missing.json()]
    assert [call["request_id"] for call in calls] == [
        made.headers["request-id"],
        missing.headers["request-id"],
    ]
    assert calls[1]["response"]["error"]["message"] == "No such customer: cus_00000000000000"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [0, 1, 2, 3, 4]),
        ({"method": "GET"}, [1, 2, 4]),
        ({"method": "post"}, [0, 3]),
        ({"method": "DELETE"}, []),
        ({"path": "/v1/customers"}, [0, 2, 4]),
        ({"path": "/v1/customers/*"}, [1, 3]),
        ({"path": "/v1/*"}, [0, 2, 4]),
        ({"path": "/v1/customers/cus_00000000000000"}, [1]),
        ({"status": "200"}, [0, 3, 4]),
        ({"status": "404"}, [1]),
        ({"status": "0"}, []),
        ({"method": "GET", "path": "/v1/customers", "status": "401"}, [2]),
        ({"limit": "2"}, [3, 4]),
        ({"limit": "1"}, [4]),
        ({"limit": "5"}, [0, 1, 2, 3, 4]),
        ({"limit": "500"}, [0, 1, 2, 3, 4]),
        ({"method": "GET", "limit": "2"}, [2, 4]),
        ({"method": "", "path": "", "status": "200"}, [0, 3, 4]),
    ],
    ids=lambda value: query_id(value) if isinstance(value, dict) else None,
)
def test_calls_filters_keep_the_matching_calls_oldest_first(
    doc: dict[str, Any], http: Api, query: dict[str, str], expected: list[int]
) -> None:
    journal(http)
    every = answer(doc, http, "/_fake/calls")
    assert answer(doc, http, "/_fake/calls", query) == [every[i] for i in expected]


def test_calls_keep_keys_masked(doc: dict[str, Any], http: Api) -> None:
    journal(http)
    response = http.get("/_fake/calls", key=None)
    assert [call["api_key"] for call in response.json()["data"]] == [
        MASKED_KEY,
        MASKED_KEY,
        None,
        MASKED_KEY,
        MASKED_OTHER,
    ]
    assert KEY not in response.text and OTHER_KEY not in response.text


BAD_QUERIES = [
    ({"order": "asc"}, "Received unknown parameter: order", "order"),
    ({"status": "abc"}, "Invalid integer: abc", "status"),
    ({"status": "600"}, "This value must be less than or equal to 599.", "status"),
    ({"status": "-1"}, "This value must be greater than or equal to 0.", "status"),
    ({"limit": "0"}, "This value must be greater than or equal to 1.", "limit"),
    ({"limit": "1.5"}, "Invalid integer: 1.5", "limit"),
    ({"limit": "100001"}, "This value must be less than or equal to 100000.", "limit"),
    ({"method": "G T"}, "Invalid method 'G T': an HTTP method such as GET, POST or DELETE.",
     "method"),
    ({"path": "v1/customers"},
     "Invalid path 'v1/customers': a path starts with / (e.g. /v1/customers/*).", "path"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "message", "param"), BAD_QUERIES)
def test_calls_refuse_bad_filters_naming_the_param(
    http: Api, query: dict[str, str], message: str, param: str
) -> None:
    assert refused(http, "/_fake/calls", query) == {"type": IRE, "message": message, "param": param}


def test_a_repeated_or_nested_filter_is_refused(http: Api) -> None:
    error = refused(http, "/_fake/calls", {"status[a]": "200"})
    assert error["param"] == "status"
    error = refused(http, "/_fake/calls", {"method[]": "GET"})
    assert error["param"] == "method"


# -- GET /_fake/events --------------------------------------------------------------------


def test_events_filter_by_type_and_keep_the_newest(
    doc: dict[str, Any], http: Api, fake: FakeTofupay
) -> None:
    made = journal(http)
    http.post(f"/v1/customers/{made['id']}/sources", data={"source": "tok_visa"})
    every = answer(doc, http, "/_fake/events")
    assert [event["type"] for event in every] == [
        "customer.created",
        "customer.updated",
        "customer.source.created",
        "customer.updated",
    ]
    assert every == list(fake.events)
    updated = answer(doc, http, "/_fake/events", {"type": "customer.updated"})
    assert updated == [every[1], every[3]]
    assert answer(doc, http, "/_fake/events", {"limit": "2"}) == every[2:]
    assert answer(doc, http, "/_fake/events", {"type": "customer.updated", "limit": "1"}) == [
        every[3]
    ]
    assert answer(doc, http, "/_fake/events", {"type": "customer.deleted"}) == []
    assert answer(doc, http, "/_fake/events", {"type": ""}) == every


@pytest.mark.parametrize(
    ("query", "message", "param"),
    [
        ({"kind": "x"}, "Received unknown parameter: kind", "kind"),
        ({"limit": "x"}, "Invalid integer: x", "limit"),
        ({"limit": "0"}, "This value must be greater than or equal to 1.", "limit"),
        ({"type[]": "customer.created"}, 'Invalid string: ["customer.created"]', "type"),
    ],
)
def test_events_refuse_bad_filters_naming_the_param(
    http: Api, query: dict[str, str], message: str, param: str
) -> None:
    assert refused(http, "/_fake/events", query) == {
        "type": IRE,
        "message": message,
        "param": param,
    }


# -- GET /_fake/faults --------------------------------------------------------------------


def test_faults_are_listed_in_the_order_they_apply_and_used_up(
    doc: dict[str, Any], http: Api, fake: FakeTofupay
) -> None:
    assert answer(doc, http, "/_fake/faults") == []
    fake.fail_next("rate_limit", method="post", path="/v1/customers", times=2)
    fake.fail_next(503)
    fake.fail_next(httpx.ConnectTimeout, path="/v1/customers/*")
    queued = http.post("/_fake/fail_next", key=None, data={"error": "card_declined"})
    assert queued.json() == {"queued": 1}
    before = {"when": "before", "delay": 0.0}
    assert answer(doc, http, "/_fake/faults") == [
        {"error": "rate_limit", "method": "POST", "path": "/v1/customers", "times": 2, **before},
        {"error": 503, "method": None, "path": None, "times": 1, **before},
        {
            "error": "ConnectTimeout",
            "method": None,
            "path": "/v1/customers/*",
            "times": 1,
            **before,
        },
        {"error": "card_declined", "method": None, "path": None, "times": 1, **before},
    ]
    # The first POST /v1/customers uses one of the rate_limit fault's two times.
    assert http.post("/v1/customers").status_code == 429
    assert [fault["times"] for fault in answer(doc, http, "/_fake/faults")] == [1, 1, 1, 1]
    # A GET of the list skips the POST-only fault and uses the next one that matches.
    assert http.get("/v1/customers").status_code == 503
    assert [fault["error"] for fault in answer(doc, http, "/_fake/faults")] == [
        "rate_limit",
        "ConnectTimeout",
        "card_declined",
    ]
    http.post("/_fake/reset", key=None)
    assert answer(doc, http, "/_fake/faults") == []


def test_faults_take_no_params(http: Api) -> None:
    error = refused(http, "/_fake/faults", {"limit": "1"})
    assert error == {"type": IRE, "message": "Received unknown parameter: limit", "param": "limit"}


# -- GET /_fake/customers -----------------------------------------------------------------


def test_customers_of_every_account_with_masked_keys_newest_first(
    doc: dict[str, Any], http: Api, fake: FakeTofupay
) -> None:
    grace = fake.add_customer(KEY, email="grace@example.com", metadata={"plan": "pro"})
    linus = fake.add_customer(OTHER_KEY, email="Linus@Example.org")
    ada = http.post("/v1/customers", data={"email": "ada@example.com", "source": "tok_visa"})
    gone = http.post("/v1/customers", data={"email": "gone@example.com"}).json()
    assert http.delete(f"/v1/customers/{gone['id']}").status_code == 200
    response = http.get("/_fake/customers", key=None)
    assert KEY not in response.text and OTHER_KEY not in response.text
    listed = answer(doc, http, "/_fake/customers")
    assert listed == [
        {"api_key": MASKED_KEY, "customer": fake.get_customer(ada.json()["id"])},
        {"api_key": MASKED_KEY, "customer": grace},
        {"api_key": MASKED_OTHER, "customer": linus},
    ]
    assert listed[0]["customer"]["sources"]["data"][0]["last4"] == "4242"
    assert response.json()["total_count"] == 3


@pytest.mark.parametrize(
    ("query", "emails", "total"),
    [
        ({"q": "example"}, ["ada@example.com", "grace@example.com", "Linus@Example.org"], 3),
        ({"q": "LINUS@"}, ["Linus@Example.org"], 1),
        ({"q": "  grace  "}, ["grace@example.com"], 1),
        ({"q": ".org"}, ["Linus@Example.org"], 1),
        ({"q": "nobody"}, [], 0),
        ({"q": ""}, ["ada@example.com", "grace@example.com", "Linus@Example.org"], 3),
        ({"limit": "2"}, ["ada@example.com", "grace@example.com"], 3),
        ({"q": "example", "limit": "1"}, ["ada@example.com"], 3),
    ],
)
def test_customers_search_by_email_and_limit(
    doc: dict[str, Any],
    http: Api,
    fake: FakeTofupay,
    query: dict[str, str],
    emails: list[str],
    total: int,
) -> None:
    fake.add_customer(KEY, email="grace@example.com")
    fake.add_customer(OTHER_KEY, email="Linus@Example.org")
    fake.add_customer(KEY, email="ada@example.com")
    assert [row["customer"]["email"] for row in answer(doc, http, "/_fake/customers", query)] == (
        emails
    )
    assert http.get("/_fake/customers", key=None, params=query).json()["total_count"] == total


def test_customers_search_by_id(doc: dict[str, Any], http: Api, fake: FakeTofupay) -> None:
    made = fake.add_customer(KEY, email="grace@example.com")
    fake.add_customer(KEY, email="ada@example.com")
    for text in (made["id"], made["id"].upper(), made["id"][4:10]):
        found = answer(doc, http, "/_fake/customers", {"q": text})
        assert [row["customer"]["id"] for row in found] == [made["id"]]


@pytest.mark.parametrize(
    ("query", "message", "param"),
    [
        ({"api_key": KEY}, "Received unknown parameter: api_key", "api_key"),
        ({"limit": "0"}, "This value must be greater than or equal to 1.", "limit"),
        ({"q[a]": "x"}, 'Invalid string: {"a":"x"}', "q"),
    ],
)
def test_customers_refuse_bad_params_naming_them(
    http: Api, query: dict[str, str], message: str, param: str
) -> None:
    error = refused(http, "/_fake/customers", query)
    assert error == {"type": IRE, "message": message, "param": param}
    assert KEY not in str(error)


# -- the dashboard's own files --------------------------------------------------------------

STATIC = Path(tofupay_fake.__file__).parent / "static"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/_fake/", "text/html; charset=utf-8"),
        ("/_fake/static/dashboard.css", "text/css; charset=utf-8"),
        ("/_fake/static/dashboard.js", "application/javascript; charset=utf-8"),
        ("/js/v2/tofupay.js", "application/javascript; charset=utf-8"),
    ],
)
def test_the_dashboard_and_tofupay_js_are_served_from_the_package(
    http: Api, fake: FakeTofupay, path: str, content_type: str
) -> None:
    response = http.get(path, key=None)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    name = "dashboard.html" if path == "/_fake/" else path.rpartition("/")[2]
    assert response.content == (STATIC / name).read_bytes()
    head = http.request("HEAD", path, key=None)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(response.content))
    assert len(fake.calls) == 0  # serving files is not an API call


def test_the_dashboard_page_may_load_nothing_from_elsewhere(http: Api) -> None:
    response = http.get("/_fake/", key=None)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    for directive in ("script-src", "style-src", "connect-src"):
        assert f"{directive} 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in response.headers


def test_tofupay_js_may_be_loaded_by_a_page_of_any_origin(http: Api) -> None:
    response = http.get("/js/v2/tofupay.js", key=None)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-security-policy" not in response.headers


@pytest.mark.parametrize("name", ["dashboard.html", "dashboard.css", "dashboard.js", "tofupay.js"])
def test_the_shipped_files_name_no_other_server(name: str) -> None:
    text = (STATIC / name).read_text(encoding="utf-8")
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w", text) == []
    assert "@import" not in text and "url(" not in text


def test_without_the_slash_the_dashboard_redirects(http: Api) -> None:
    response = http.get("/_fake", key=None)
    assert response.status_code == 308
    assert response.headers["location"] == "/_fake/"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/_fake/"),
        ("DELETE", "/js/v2/tofupay.js"),
        ("GET", "/_fake/static/missing.js"),
        ("GET", "/_fake/static/../control.py"),
        ("GET", "/_fake/static/"),
    ],
)
def test_other_paths_near_the_files_are_not_found(http: Api, method: str, path: str) -> None:
    response = http.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] == IRE
