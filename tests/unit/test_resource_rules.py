"""Resource rules seen through ``FakeTofupay.handle`` and its helpers: who the email filter
lists after updates and deletes, when a seeded token expires."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import FakeTofupay

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}


def send(fake: FakeTofupay, method: str, path: str, body: str = "", query: str = "") -> Any:
    answer = fake.handle(method, path, query=query, headers=HEADERS, body=body.encode())
    assert answer.status_code == 200, answer.json()
    return answer.json()


def by_email(fake: FakeTofupay, email: str) -> list[str]:
    listed = send(fake, "GET", "/v1/customers", query=f"email={email}&limit=100")
    return [customer["id"] for customer in listed["data"]]


def test_the_email_filter_follows_creates_updates_and_deletes() -> None:
    fake = FakeTofupay(seed=0)
    first = send(fake, "POST", "/v1/customers", "email=a@b.co")["id"]
    second = send(fake, "POST", "/v1/customers", "email=a@b.co")["id"]
    other = send(fake, "POST", "/v1/customers", "email=c@d.co")["id"]
    assert by_email(fake, "a@b.co") == [second, first]
    send(fake, "DELETE", f"/v1/customers/{first}")
    assert by_email(fake, "a@b.co") == [second]
    send(fake, "POST", f"/v1/customers/{second}", "email=c@d.co")
    assert by_email(fake, "a@b.co") == []
    assert by_email(fake, "c@d.co") == [other, second]  # newest first, by creation
    send(fake, "POST", f"/v1/customers/{other}", "email=")
    assert by_email(fake, "c@d.co") == [second]
    send(fake, "DELETE", f"/v1/customers/{second}")
    assert by_email(fake, "c@d.co") == []
    send(fake, "DELETE", f"/v1/customers/{other}")  # no email: nothing to unlist
    assert send(fake, "GET", "/v1/customers")["data"] == []


@pytest.mark.parametrize(
    ("clock", "year"),
    [
        pytest.param("2026-12-02", 2027, id="next-year"),
        pytest.param("9998-12-31", 9999, id="last-next-year"),
        pytest.param("9999-06-01", 9999, id="no-year-after-9999"),
    ],
)
def test_a_seeded_token_expires_next_year_by_the_clock_never_past_9999(
    clock: str, year: int
) -> None:
    fake = FakeTofupay(seed=0, clock=clock)
    token = fake.create_token()
    card = send(fake, "GET", f"/v1/tokens/{token}")["card"]
    assert (card["exp_month"], card["exp_year"]) == (12, year)


@pytest.mark.parametrize(
    ("clock", "month", "year"),
    [
        pytest.param("2026-12-02", 3, 2027, id="march-next-year"),
        pytest.param("9998-12-31", 3, 9999, id="march-9999"),
        pytest.param("9999-06-01", 12, 9999, id="december-in-the-last-year"),
    ],
)
def test_a_test_token_s_card_expires_in_march_of_next_year_or_at_the_end_of_9999(
    clock: str, month: int, year: int
) -> None:
    fake = FakeTofupay(seed=0, clock=clock)
    customer = send(fake, "POST", "/v1/customers", "source=tok_mastercard")
    card = send(fake, "GET", f"/v1/customers/{customer['id']}/sources/{customer['default_source']}")
    assert (card["exp_month"], card["exp_year"]) == (month, year)
    assert (card["last4"], card["brand"], card["cvc_check"]) == ("4444", "MasterCard", "pass")


def test_a_seeded_customer_keeps_the_id_it_was_given() -> None:
    fake = FakeTofupay(seed=0)
    seeded = fake.add_customer(KEY, id="cus_Chosen00000001", email="a@b.co")
    made = fake.add_customer(KEY, email="c@d.co")
    assert seeded["id"] == "cus_Chosen00000001"
    assert made["id"].startswith("cus_") and made["id"] != "cus_Chosen00000001"
    assert send(fake, "GET", "/v1/customers/cus_Chosen00000001")["email"] == "a@b.co"
    assert [c["id"] for c in send(fake, "GET", "/v1/customers")["data"]] == [
        made["id"],
        "cus_Chosen00000001",
    ]


@pytest.mark.parametrize(
    ("query", "total", "expanded"),
    [
        pytest.param("", None, False, id="plain"),
        pytest.param("include[]=total_count", 1, False, id="total"),
        pytest.param("expand[]=data.default_source", None, True, id="expanded"),
        pytest.param(
            "expand[]=data.default_source&include[]=total_count", 1, True, id="expanded-total"
        ),
    ],
)
def test_the_customer_list_has_its_url_and_a_total_count_only_when_asked(
    query: str, total: int | None, expanded: bool
) -> None:
    fake = FakeTofupay(seed=0)
    made = send(fake, "POST", "/v1/customers", "source=tok_visa")
    listed = send(fake, "GET", "/v1/customers", query=query)
    assert (listed["object"], listed["url"], listed["has_more"]) == ("list", "/v1/customers", False)
    assert listed.get("total_count") == total
    assert ("total_count" in listed) == (total is not None)
    card = listed["data"][0]["default_source"]
    assert (card["id"] if expanded else card) == made["default_source"]


def test_each_call_keeps_the_request_id_its_answer_carried() -> None:
    fake = FakeTofupay(seed=0)
    answers = [
        fake.handle("POST", "/v1/customers", headers=HEADERS, body=b"email=a@b.co"),
        fake.handle("GET", "/v1/customers", headers=HEADERS),
        fake.handle("GET", "/v1/customers/cus_missing", headers=HEADERS),
    ]
    ids = [answer.header("Request-Id") for answer in answers]
    assert [call.request_id for call in fake.calls] == ids
    assert len(set(ids)) == 3 and all(str(found).startswith("req_") for found in ids)
