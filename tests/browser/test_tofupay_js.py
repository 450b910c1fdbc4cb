"""Tofupay.js, served by the fake, in headless Chromium.

A checkout page of another origin (an app's own server) loads the script from
the fake's URL, as a test suite would instead of the real one; the script makes
tokens at the origin it was loaded from with a publishable key. The tokens are
then used from the test side with the account's secret key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.api_cards import ATTACHING, DECLINES
from tests.browser.pages import PageServer, screenshot
from tofupay_fake import FakeTofupay

pytestmark = pytest.mark.browser

SUFFIX = "checkoutShop2015"
SECRET = f"sk_test_{SUFFIX}"
PUBLISHABLE = f"pk_test_{SUFFIX}"
#: A year no fake clock of these tests has passed, and no browser clock soon.
YEAR = "2040"

CHECKOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Checkout</title>
<script src="{fake}/js/v2/tofupay.js"></script>
</head>
<body>
<form id="checkout">
  <label>Card number <input data-tofupay="number" autocomplete="cc-number"></label>
  <label>CVC <input data-tofupay="cvc" autocomplete="cc-csc"></label>
  <label>Month <input data-tofupay="exp-month" autocomplete="cc-exp-month"></label>
  <label>Year <input data-tofupay="exp-year" autocomplete="cc-exp-year"></label>
  <label>Name on card <input data-tofupay="name" autocomplete="cc-name"></label>
  <label>ZIP <input data-tofupay="address-zip" autocomplete="postal-code"></label>
  <input type="hidden" name="token" id="token">
  <button type="submit">Pay</button>
</form>
<pre id="result"></pre>
<script>
  Tofupay.setPublishableKey("{publishable}");
  document.getElementById("checkout").addEventListener("submit", function (event) {{
    event.preventDefault();
    document.getElementById("result").textContent = "";
    Tofupay.card.createToken(event.target, function (status, response) {{
      if (status === 200) document.getElementById("token").value = response.id;
      document.getElementById("result").textContent =
        JSON.stringify({{status: status, response: response}});
    }});
  }});
</script>
</body>
</html>
"""


@contextmanager
def open_shop() -> Iterator[tuple[FakeTofupay, str, str]]:
    """The fake served at ``fake.url``, the shop's checkout page on another loopback port."""
    fake = FakeTofupay(seed=2015)
    try:
        page = CHECKOUT.format(fake=fake.url, publishable=PUBLISHABLE)
        with PageServer({"/checkout": page}) as pages:
            yield fake, fake.url, pages.url + "/checkout"
    finally:
        fake.stop()


@pytest.fixture
def shop() -> Iterator[tuple[FakeTofupay, str, str]]:
    with open_shop() as opened:
        yield opened


@pytest.fixture(scope="module")
def checkout_tab(browser_context: BrowserContext) -> Iterator[tuple[Page, list[str]]]:
    """One checkout page, loaded once and its expiry, name and ZIP typed, for a table of
    cards typed one after another; with the JavaScript errors seen on it (each test
    asserts there are none)."""
    with open_shop() as (_, _, checkout):
        tab = browser_context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(checkout)
        fill_the_rest(tab, "12")
        try:
            yield tab, errors
        finally:
            tab.close()


def fill_card(page: Page, number: str, cvc: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("CVC").fill(cvc)


def fill_the_rest(page: Page, month: str) -> None:
    """The expiry, the name on the card and the ZIP."""
    page.get_by_label("Month").fill(month)
    page.get_by_label("Year").fill(YEAR)
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_label("ZIP").fill("94107")


def submit(page: Page) -> dict[str, Any]:
    """Submit the checkout form and return the callback's arguments."""
    result = page.locator("#result")
    page.evaluate("document.getElementById('result').textContent = ''")  # no earlier answer
    page.get_by_role("button", name="Pay").click()
    expect(result).not_to_be_empty()
    answer: dict[str, Any] = json.loads(result.inner_text())
    return answer


def pay(page: Page, number: str, *, cvc: str = "123", month: str = "12") -> dict[str, Any]:
    """Type a card into the checkout form, submit it, and return the callback's arguments."""
    fill_card(page, number, cvc)
    fill_the_rest(page, month)
    return submit(page)


def test_a_checkout_page_makes_tokens_at_the_fake_it_loaded_tofupay_js_from(
    page: Page, shop: tuple[FakeTofupay, str, str], requested: list[str]
) -> None:
    fake, fake_url, checkout = shop
    page.goto(checkout)
    expect(page).to_have_title("Checkout")

    # 4242 gets a token; the card's details come back, never its number.
    visa = pay(page, "4242 4242 4242 4242")
    assert visa["status"] == 200, visa
    token = visa["response"]
    assert token["object"] == "token" and token["id"].startswith("tok_")
    assert token["used"] is False and token["livemode"] is False
    card = token["card"]
    assert (card["brand"], card["last4"], card["exp_month"], card["exp_year"]) == (
        "Visa",
        "4242",
        12,
        int(YEAR),
    )
    assert (card["name"], card["address_zip"]) == ("Ada Lovelace", "94107")
    assert "number" not in card and "4242424242424242" not in json.dumps(token)
    assert page.locator("#token").input_value() == token["id"]
    screenshot(page, "checkout-token-1280")

    # A declining number tokenizes, and declines when the token is used.
    declining = pay(page, "4000000000000002")
    assert declining["status"] == 200, declining
    declined_token = declining["response"]["id"]

    # A number failing the Luhn check gets its 402 in the callback.
    wrong = pay(page, "4242424242424241")
    assert wrong == {
        "status": 402,
        "response": {
            "error": {
                "type": "card_error",
                "message": "Your card number is incorrect.",
                "param": "number",
                "code": "incorrect_number",
            }
        },
    }

    # The test side uses the tokens with the secret key of the same account.
    with httpx.Client(base_url=fake_url, auth=(SECRET, "")) as api:
        made = api.post("/v1/customers", data={"email": "ada@example.com", "source": token["id"]})
        assert made.status_code == 200, made.text
        customer = made.json()
        assert customer["sources"]["data"][0]["last4"] == "4242"
        assert customer["sources"]["data"][0]["address_zip_check"] == "pass"
        refused = api.post("/v1/customers", data={"source": declined_token})
        assert refused.status_code == 402, refused.text
        error = refused.json()["error"]
        assert (error["type"], error["code"], error["decline_code"]) == (
            "card_error",
            "card_declined",
            "generic_decline",
        )
        journal = api.get("/_fake/calls", params={"path": "/v1/tokens"})

    # The fake saw the three tokenizations under the publishable key, masked.
    tokens = fake.calls.filter("POST", "/v1/tokens")
    assert [call.status_code for call in tokens] == [200, 200, 402]
    assert tokens[0].params["card"]["number"] == "4242424242424242"
    assert tokens[0].params["card"]["exp_month"] == "12"
    fake.assert_called("POST", "/v1/customers", params={"source": token["id"]}, times=1)
    shown = journal.json()["data"]
    assert [call["api_key"] for call in shown] == [f"pk_test_****{SUFFIX[-4:]}"] * 3
    assert PUBLISHABLE not in journal.text and SECRET not in journal.text
    # The page asked the fake for the script and the tokens, and nothing else anywhere.
    elsewhere = [
        url
        for url in requested
        if not url.startswith(fake_url + "/") and not url.startswith(checkout)
    ]
    assert elsewhere == []
    assert f"{fake_url}/js/v2/tofupay.js" in requested


@pytest.mark.parametrize("number", [*ATTACHING, *DECLINES])
def test_every_test_card_number_tokenizes_with_its_brand(
    checkout_tab: tuple[Page, list[str]], number: str
) -> None:
    page, errors = checkout_tab
    fill_card(page, number, "1234" if len(number) == 15 else "123")
    answer = submit(page)
    assert answer["status"] == 200, answer
    card = answer["response"]["card"]
    brand = ATTACHING[number][0] if number in ATTACHING else "Visa"
    assert (card["brand"], card["last4"]) == (brand, number[-4:])
    assert page.evaluate("n => Tofupay.card.cardType(n)", number) == brand
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_without_a_publishable_key_the_callback_gets_the_api_401(
    page: Page, shop: tuple[FakeTofupay, str, str]
) -> None:
    fake, _, checkout = shop
    page.goto(checkout)
    page.evaluate("Tofupay.setPublishableKey(null)")
    answer = pay(page, "4242424242424242")
    assert answer["status"] == 401
    assert answer["response"]["error"]["type"] == "authentication_error"
    assert [call.status_code for call in fake.calls] == [401]


def test_create_token_takes_a_card_object_too(
    page: Page, shop: tuple[FakeTofupay, str, str]
) -> None:
    _, _, checkout = shop
    page.goto(checkout)
    answer = page.evaluate(
        """() => new Promise(resolve => Tofupay.card.createToken(
            {number: "5555-5555-5555-4444", cvc: "321", exp_month: 3, exp_year: 2040,
             address_line1: "1 Main St"},
            (status, response) => resolve({status, response})))"""
    )
    assert answer["status"] == 200, answer
    card = answer["response"]["card"]
    assert (card["brand"], card["last4"], card["exp_month"], card["address_line1"]) == (
        "MasterCard",
        "4444",
        3,
        "1 Main St",
    )


# -- the validators, in the browser -------------------------------------------------------

VALIDATIONS = [
    ("validateCardNumber('4242424242424242')", True),
    ("validateCardNumber('4242 4242 4242 4242')", True),
    ("validateCardNumber('4242-4242-4242-4242')", True),
    ("validateCardNumber(' 378282246310005 ')", True),
    ("validateCardNumber('4242424242424241')", False),
    ("validateCardNumber('4242x24242424242')", False),
    ("validateCardNumber('')", False),
    ("validateCardNumber('0')", False),
    ("validateCardNumber('4242 4242 4242 4242 4242')", False),
    ("validateCardNumber(null)", False),
    ("validateCVC('123')", True),
    ("validateCVC('1234')", True),
    ("validateCVC(' 123 ')", True),
    ("validateCVC('12')", False),
    ("validateCVC('12345')", False),
    ("validateCVC('12a')", False),
    ("validateCVC('')", False),
    ("validateExpiry('12', '2099')", True),
    ("validateExpiry(12, 2099)", True),
    ("validateExpiry('12', '99')", True),
    ("validateExpiry('12/2099')", True),
    ("validateExpiry('13', '2099')", False),
    ("validateExpiry('0', '2099')", False),
    ("validateExpiry('12', '2015')", False),
    ("validateExpiry('12', '15')", False),
    ("validateExpiry('1', '209')", False),
    ("validateExpiry('ab', '2099')", False),
    ("validateExpiry(String(new Date().getMonth() + 1), String(new Date().getFullYear()))", True),
    ("validateExpiry(String(new Date().getMonth() || 12), "
     "String(new Date().getFullYear() - (new Date().getMonth() ? 0 : 1)))", False),
    ("cardType('4242424242424242')", "Visa"),
    ("cardType('5555 5555 5555 4444')", "MasterCard"),
    ("cardType('2221000000000009')", "MasterCard"),
    ("cardType('378282246310005')", "American Express"),
    ("cardType('340000000000009')", "American Express"),
    ("cardType('6011111111111117')", "Discover"),
    ("cardType('6500000000000002')", "Discover"),
    ("cardType('30569309025904')", "Diners Club"),
    ("cardType('36000000000008')", "Diners Club"),
    ("cardType('3530111333300000')", "JCB"),
    ("cardType('1234567812345678')", "Unknown"),
    ("cardType('')", "Unknown"),
    ("cardType('abc')", "Unknown"),
]  # fmt: skip


def test_the_validators_answer_as_the_2015_library(
    page: Page, shop: tuple[FakeTofupay, str, str]
) -> None:
    fake, _, checkout = shop
    page.goto(checkout)
    answers = page.evaluate(
        "expressions => expressions.map(e => Function('with (Tofupay.card) return ' + e)())",
        [expression for expression, _ in VALIDATIONS],
    )
    assert list(zip([e for e, _ in VALIDATIONS], answers, strict=True)) == [
        (expression, expected) for expression, expected in VALIDATIONS
    ]
    assert len(fake.calls) == 0  # validating asks nothing of the server
