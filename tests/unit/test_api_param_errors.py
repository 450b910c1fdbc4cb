"""The exact 400/402/404 the API answers for bad params, through ``FakeTofupay.handle``:
its message and the param it names."""

from __future__ import annotations

from typing import Any

import pytest

from tofupay_fake import FakeTofupay, messages
from tofupay_fake.errors import TofupayError

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-www-form-urlencoded"}


class World:
    """A fake with one customer (``{cus}``) holding one card (``{card}``)."""

    def __init__(self) -> None:
        self.fake = FakeTofupay(seed=0)
        status, customer = self.send("POST", "/v1/customers", "source=tok_visa&email=a@b.co")
        assert status == 200, customer
        self.names = {"cus": customer["id"], "card": customer["default_source"]}

    def send(
        self, method: str, path: str, body: str = "", query: str = ""
    ) -> tuple[int, dict[str, Any]]:
        answer = self.fake.handle(method, path, query=query, headers=HEADERS, body=body.encode())
        return answer.status_code, answer.json()

    def path(self, template: str) -> str:
        return template.format(**self.names)


CARD = "/v1/customers/{cus}/sources/{card}"
SOURCES = "/v1/customers/{cus}/sources"
CARD_DICT = "{0}[number]=4242424242424242&{0}[exp_month]=12&{0}[exp_year]=2030"


@pytest.mark.parametrize(
    ("method", "template", "body", "query", "status", "message", "param"),
    [
        pytest.param(
            "POST", CARD, "name[]=x", "", 400, 'Invalid string: ["x"]', "name", id="card-name"
        ),
        pytest.param(
            "POST",
            CARD,
            "address_city[a]=x",
            "",
            400,
            'Invalid string: {"a":"x"}',
            "address_city",
            id="card-address",
        ),
        pytest.param(
            "POST",
            "/v1/tokens",
            f"{CARD_DICT.format('card')}&card[name][]=x",
            "",
            400,
            'Invalid string: ["x"]',
            "card[name]",
            id="token-card-name",
        ),
        pytest.param(
            "POST",
            "/v1/customers",
            f"{CARD_DICT.format('source')}&source[address_zip][a]=1",
            "",
            400,
            'Invalid string: {"a":"1"}',
            "source[address_zip]",
            id="source-dictionary-address",
        ),
        pytest.param(
            "GET",
            SOURCES,
            "",
            "object=",
            400,
            messages.CANNOT_UNSET.format(name="object"),
            "object",
            id="sources-object-empty",
        ),
        pytest.param(
            "GET",
            SOURCES,
            "",
            "object=x",
            400,
            messages.INVALID_SOURCE_OBJECT.format(value="x"),
            "object",
            id="sources-object-unknown",
        ),
        pytest.param(
            "GET",
            "/v1/customers/{cus}/subscriptions",
            "",
            "ending_before=sub_1",
            404,
            messages.NO_SUCH_SUBSCRIPTION.format(id="sub_1"),
            "ending_before",
            id="subscription-cursor",
        ),
        pytest.param(
            "POST",
            "/v1/customers",
            "nickname]=x",
            "",
            400,
            messages.UNKNOWN_PARAMETER.format(name="nickname]"),
            "nickname]",
            id="name-ending-in-a-bracket",
        ),
        pytest.param(
            "POST",
            "/v1/customers",
            "metadata%5Ba%5Bb%5D%5D=1",
            "",
            400,
            messages.METADATA_KEY_BRACKETS.format(key="a[b]"),
            "metadata",
            id="metadata-key-with-brackets",
        ),
    ],
)
def test_a_bad_param_gets_its_documented_error(
    method: str,
    template: str,
    body: str,
    query: str,
    status: int,
    message: str,
    param: str,
) -> None:
    world = World()
    answer = world.send(method, world.path(template), body, query)
    assert answer == (
        status,
        {"error": {"type": "invalid_request_error", "message": message, "param": param}},
    )


@pytest.mark.parametrize("wanted", ["card", "bank_account"])
def test_a_customer_s_sources_by_object(wanted: str) -> None:
    world = World()
    status, listed = world.send("GET", world.path(SOURCES), query=f"object={wanted}")
    assert status == 200
    assert [card["id"] for card in listed["data"]] == (
        [world.names["card"]] if wanted == "card" else []
    )
    assert listed["has_more"] is False
    assert "total_count" not in listed


@pytest.mark.parametrize(
    ("month", "accepted"),
    [
        pytest.param("1", True, id="one-digit"),
        pytest.param("01", True, id="leading-zero"),
        pytest.param("12", True, id="december"),
        pytest.param("012", False, id="three-digits"),
        pytest.param("0", False, id="zero"),
        pytest.param("13", False, id="thirteen"),
        pytest.param("1a", False, id="not-digits"),
    ],
)
def test_a_card_s_expiry_month_is_one_or_two_digits_from_1_to_12(
    month: str, accepted: bool
) -> None:
    world = World()
    body = f"source[number]=4242424242424242&source[exp_month]={month}&source[exp_year]=2030"
    status, answer = world.send("POST", world.path(SOURCES), body)
    if accepted:
        assert (status, answer["exp_month"]) == (200, int(month))
        return
    assert (status, answer) == (
        402,
        {
            "error": {
                "type": "card_error",
                "message": messages.INVALID_EXPIRY_MONTH,
                "param": "exp_month",
                "code": "invalid_expiry_month",
            }
        },
    )


@pytest.mark.parametrize("new", ["source", "card"])
def test_a_new_source_and_a_default_source_at_once_are_refused(new: str) -> None:
    world = World()
    body = f"default_source={world.names['card']}&{new}=tok_visa"
    assert world.send("POST", world.path("/v1/customers/{cus}"), body) == (
        400,
        {"error": {"type": "invalid_request_error", "message": messages.SOURCE_AND_DEFAULT_SOURCE}},
    )


def test_a_seeded_metadata_key_with_a_bracket_is_named_in_the_error() -> None:
    fake = FakeTofupay(seed=0)
    with pytest.raises(TofupayError) as info:
        fake.add_customer(KEY, metadata={"plan": "pro", "a[b": "1"})
    assert (info.value.status, info.value.param) == (400, "metadata")
    assert info.value.message == messages.METADATA_KEY_BRACKETS.format(key="a[b")
    assert fake.customers(KEY) == []


@pytest.mark.parametrize(("length", "accepted"), [(512, True), (513, False)])
def test_an_email_has_at_most_512_characters(length: int, accepted: bool) -> None:
    email = "a" * (length - len("@b.co")) + "@b.co"
    world = World()
    status, answer = world.send("POST", "/v1/customers", f"email={email}")
    if accepted:
        assert (status, answer["email"]) == (200, email)
        return
    assert (status, answer) == (
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "message": messages.INVALID_EMAIL.format(value=email),
                "param": "email",
            }
        },
    )
