"""The server's clock: ``GET``/``POST /_fake/clock`` over a socket, and ``serve --clock``."""

from __future__ import annotations

import calendar
import time
from typing import Any

import httpx
import pytest

from tests.conftest import SSL_CONTEXT, Api
from tests.server.served import Served
from tofupay_fake import FakeTofupay
from tofupay_fake.clock import MAX_TIME
from tofupay_fake.transports.cli import main

START = 1421056271
JAN_15_2026 = calendar.timegm((2026, 1, 15, 0, 0, 0))
KEY = "sk_test_clockControl00001"
ONE_OF = (
    "Send exactly one of advance (whole seconds >= 0) or set (a Unix time, or an ISO date "
    "or datetime such as 2026-01-15 or 2026-01-15T10:00:00Z)."
)


@pytest.fixture
def fake() -> FakeTofupay:
    return FakeTofupay(seed=0)


def now_of(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"now"} and type(body["now"]) is int, body
    return int(body["now"])


def created(http: Api, **data: str) -> dict[str, Any]:
    response = http.post("/v1/customers", key=KEY, data=data)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_get_answers_the_fakes_time(http: Api, fake: FakeTofupay) -> None:
    assert now_of(http.get("/_fake/clock")) == START
    created(http)
    assert now_of(http.get("/_fake/clock")) == START + 1 == fake.clock.now()


@pytest.mark.parametrize("how", ["form", "json", "json-string", "query"])
def test_advance(http: Api, how: str) -> None:
    if how == "form":
        sent = http.post("/_fake/clock", data={"advance": "3600"})
    elif how == "json":
        sent = http.post("/_fake/clock", json={"advance": 3600})
    elif how == "json-string":
        sent = http.post("/_fake/clock", json={"advance": "3600"})
    else:
        sent = http.post("/_fake/clock", params={"advance": "3600"})
    assert now_of(sent) == START + 3600
    assert created(http)["created"] == START + 3600
    assert now_of(http.post("/_fake/clock", data={"advance": "0"})) == START + 3601


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15", JAN_15_2026),
        ("2026-01-15T10:00:00Z", JAN_15_2026 + 36000),
        ("2026-01-15T10:00:00+02:00", JAN_15_2026 + 28800),
        (str(JAN_15_2026), JAN_15_2026),
        (JAN_15_2026, JAN_15_2026),  # a JSON number
    ],
)
def test_set(http: Api, value: str | int, expected: int) -> None:
    assert now_of(http.post("/_fake/clock", json={"set": value})) == expected
    assert created(http)["created"] == expected
    assert now_of(http.get("/_fake/clock")) == expected + 1


def test_set_backwards_is_allowed(http: Api) -> None:
    assert now_of(http.post("/_fake/clock", data={"set": "2030-01-01"})) > JAN_15_2026
    assert now_of(http.post("/_fake/clock", data={"set": "2026-01-15"})) == JAN_15_2026
    assert created(http)["created"] == JAN_15_2026


def test_test_cards_expire_relative_to_the_clock_set(http: Api) -> None:
    assert created(http, source="tok_visa")["sources"]["data"][0]["exp_year"] == 2016
    now_of(http.post("/_fake/clock", data={"set": "2026-01-15"}))
    card = created(http, source="tok_mastercard")["sources"]["data"][0]
    assert (card["exp_month"], card["exp_year"]) == (3, 2027)


def test_reset_brings_a_set_clock_back_to_the_start(http: Api) -> None:
    now_of(http.post("/_fake/clock", data={"set": "2026-01-15"}))
    assert http.post("/_fake/reset").json() == {"reset": True}
    assert now_of(http.get("/_fake/clock")) == START


TOO_FAR = (
    "Invalid advance {value}: it would move the clock past the year 9999 "
    "(the latest time is 253402300799)."
)


def bad_set(value: str) -> str:
    return (
        f"Invalid set {value!r}: a Unix time (whole seconds, 0 to 253402300799), or an ISO "
        "date or datetime such as 2026-01-15 or 2026-01-15T10:00:00Z, up to the year 9999."
    )


@pytest.mark.parametrize(
    ("sent", "param", "message"),
    [
        ({}, "advance", ONE_OF),
        ({"advance": "60", "set": "2026-01-15"}, "set", ONE_OF),
        ({"advance": "60", "by": "1"}, "by", "Received unknown parameter: by"),
        ({"advance": "-1"}, "advance", "This value must be greater than or equal to 0."),
        ({"advance": "1.5"}, "advance", "Invalid integer: 1.5"),
        ({"advance": "soon"}, "advance", "Invalid integer: soon"),
        ({"advance": True}, "advance", "Invalid integer: true"),
        ({"advance": "99999999999999999999999"}, "advance", None),
        ({"advance": str(MAX_TIME)}, "advance", TOO_FAR.format(value=MAX_TIME)),
        ({"set": "yesterday"}, "set", bad_set("yesterday")),
        ({"set": "-1"}, "set", bad_set("-1")),
        ({"set": str(MAX_TIME + 1)}, "set", bad_set(str(MAX_TIME + 1))),
        ({"set": "10000-01-01"}, "set", bad_set("10000-01-01")),
        ({"set": "9" * 400}, "set", None),
        ({"set": ""}, "set", bad_set("")),
        ({"set": "wall"}, "set", bad_set("wall")),
        ({"set": ["2026-01-15"]}, "set", None),
        ({"set": {"a": "1"}}, "set", None),
    ],
)
def test_bad_input_is_a_400_naming_the_param(
    http: Api, fake: FakeTofupay, sent: dict[str, Any], param: str, message: str | None
) -> None:
    response = http.post("/_fake/clock", json=sent)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    if message is not None:
        assert error["message"] == message
    assert fake.clock.now() == START  # unchanged


def test_get_takes_no_params(http: Api) -> None:
    response = http.get("/_fake/clock", params={"advance": "5"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "advance"


def test_a_bad_form_body_is_a_400_too(http: Api) -> None:
    response = http.post("/_fake/clock", data="set[]=2026-01-15")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "set"


# -- tofupay-fake serve --clock ------------------------------------------------------------


def test_serve_clock_sets_the_start_and_reset_returns_to_it() -> None:
    with Served("--port", "0", "--clock", "2026-01-15T10:00:00Z") as served:
        served.ready()
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            assert client.get("/_fake/clock").json() == {"now": JAN_15_2026 + 36000}
            made = client.post("/v1/customers", auth=(KEY, ""), data={"source": "tok_visa"})
            assert made.json()["created"] == JAN_15_2026 + 36000
            assert made.json()["sources"]["data"][0]["exp_year"] == 2027
            assert client.post("/_fake/clock", data={"advance": "60"}).json()["now"] > (
                JAN_15_2026 + 36060
            )
            assert client.post("/_fake/reset").json() == {"reset": True}
            assert client.get("/_fake/clock").json() == {"now": JAN_15_2026 + 36000}
        assert served.stop() == 0
    assert served.stderr == ""


def test_serve_clock_wall_reads_the_real_time() -> None:
    with Served("--port", "0", "--clock", "wall") as served:
        served.ready()
        with httpx.Client(verify=SSL_CONTEXT, base_url=served.url, trust_env=False) as client:
            before = int(time.time())
            now = client.get("/_fake/clock").json()["now"]
            assert before - 5 <= now <= int(time.time()) + 5
            moved = client.post("/_fake/clock", data={"advance": "86400"}).json()["now"]
            assert moved >= now + 86400
        assert served.stop() == 0


@pytest.mark.parametrize(
    "value", ["yesterday", "-5", "2026-02-30", "99999999999999999999", "10000-01-01", ""]
)
def test_serve_a_bad_clock_exits_1_with_a_one_line_error(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # Refused before anything listens: ``main``, the command's entry point, in this process.
    assert main(["serve", "--port", "0", "--clock", value]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"tofupay-fake: --clock: bad clock value {value!r}: ")
    assert err.count("\n") == 1
