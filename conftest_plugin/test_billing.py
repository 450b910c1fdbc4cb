"""The billing module's tests, written as a user of tofupay_fake would write them."""

from __future__ import annotations

import httpx
import pytest
from billing import API_BASE, AsyncBilling, Billing, BillingError
from conftest import API_KEY

from tofupay_fake import FakeTofupay


def test_sign_up_creates_a_customer_with_a_card(billing: Billing, tofupay: FakeTofupay) -> None:
    account = billing.sign_up("ada@example.com", "pro", card_token="tok_visa")

    assert account.customer_id.startswith("cus_")
    assert account.card_last4 == "4242"
    tofupay.assert_called(
        "POST",
        "/v1/customers",
        params={"email": "ada@example.com", "metadata": {"plan": "pro"}, "source": "tok_visa"},
        times=1,
    )
    stored = tofupay.get_customer(account.customer_id)
    assert stored["email"] == "ada@example.com"
    assert stored["metadata"] == {"plan": "pro"}
    assert stored["default_source"] == stored["sources"]["data"][0]["id"]


def test_change_email_updates_the_customer(billing: Billing, tofupay: FakeTofupay) -> None:
    account = billing.sign_up("old@example.com", "free")

    changed = billing.change_email(account.customer_id, "new@example.com")

    assert changed.email == "new@example.com"
    assert tofupay.get_customer(account.customer_id)["email"] == "new@example.com"
    tofupay.assert_called("POST", "/v1/customers/*", params={"email": "new@example.com"}, times=1)
    assert tofupay.calls.last.status_code == 200


def test_close_account_deletes_the_customer(billing: Billing, tofupay: FakeTofupay) -> None:
    account = billing.sign_up("bye@example.com", "free")

    assert billing.close_account(account.customer_id) is True

    assert tofupay.get_customer(account.customer_id) == {
        "id": account.customer_id,
        "object": "customer",
        "deleted": True,
    }
    assert tofupay.customers(api_key=API_KEY) == []
    with pytest.raises(BillingError) as raised:
        billing.close_account(account.customer_id)
    assert raised.value.status == 404
    assert raised.value.error["message"] == f"No such customer: {account.customer_id}"


def test_a_declined_card_is_reported_and_nothing_is_created(
    billing: Billing, tofupay: FakeTofupay
) -> None:
    with pytest.raises(BillingError) as raised:
        billing.sign_up(
            "broke@example.com", "pro", card_token="tok_chargeDeclinedInsufficientFunds"
        )

    assert raised.value.status == 402
    assert raised.value.error["code"] == "card_declined"
    assert raised.value.error["decline_code"] == "insufficient_funds"
    assert tofupay.customers(api_key=API_KEY) == []


def test_a_bad_email_is_refused(billing: Billing) -> None:
    with pytest.raises(BillingError) as raised:
        billing.sign_up("not-an-email", "free")

    assert raised.value.status == 400
    assert raised.value.error["param"] == "email"


def test_find_by_email_sees_only_this_accounts_customers(
    billing: Billing, tofupay: FakeTofupay
) -> None:
    tofupay.add_customer("sk_test_someoneElse001", email="twin@example.com")
    mine = billing.sign_up("twin@example.com", "free")

    assert billing.find_by_email("twin@example.com") == [mine.customer_id]


@pytest.mark.tofupay(customers=3, api_keys=[API_KEY])
def test_existing_customers_can_be_seeded(billing: Billing, tofupay: FakeTofupay) -> None:
    seeded = tofupay.customers(api_key=API_KEY)
    assert len(seeded) == 3

    billing.sign_up("late@example.com", "free")

    assert len(tofupay.customers(api_key=API_KEY)) == 4
    tofupay.assert_not_called("DELETE")


def test_no_call_reaches_tofupay_before_sign_up(tofupay: FakeTofupay) -> None:
    tofupay.assert_not_called()
    assert not tofupay.calls.called


@pytest.mark.asyncio
async def test_async_sign_up_change_and_close(
    async_billing: AsyncBilling, tofupay: FakeTofupay
) -> None:
    account = await async_billing.sign_up("async@example.com", "team", card_token="tok_mastercard")
    assert account.card_last4 == "4444"

    changed = await async_billing.change_email(account.customer_id, "moved@example.com")
    assert changed.email == "moved@example.com"

    assert await async_billing.close_account(account.customer_id) is True
    assert [call.method for call in tofupay.calls] == ["POST", "POST", "DELETE"]


def test_the_same_test_gives_the_same_ids_every_run(tofupay: FakeTofupay) -> None:
    """Ids come from the test's own seed: a fresh fake with that seed repeats them."""
    first = Billing(API_KEY).sign_up("same@example.com", "free")
    replay = FakeTofupay(seed=tofupay.seed, base_url="http://replay.invalid")
    again = replay.add_customer(API_KEY, email="same@example.com")
    assert again["id"] == first.customer_id
    assert tofupay.base_url == API_BASE


def test_sign_up_retries_a_server_error_without_creating_twice(
    billing: Billing, tofupay: FakeTofupay
) -> None:
    tofupay.fail_next("api_error", method="POST", path="/v1/customers")

    account = billing.sign_up("retry@example.com", "pro", card_token="tok_visa")

    assert [call.status_code for call in tofupay.calls] == [500, 200]
    assert {call.idempotency_key for call in tofupay.calls} == {"sign-up-retry@example.com"}
    assert [c["id"] for c in tofupay.customers(api_key=API_KEY)] == [account.customer_id]


def test_sign_up_retries_a_timeout(billing: Billing, tofupay: FakeTofupay) -> None:
    tofupay.fail_next(httpx.ReadTimeout, method="POST", times=2)

    account = billing.sign_up("slow@example.com", "free")

    assert [call.status_code for call in tofupay.calls] == [0, 0, 200]
    assert tofupay.get_customer(account.customer_id)["email"] == "slow@example.com"


def test_sign_up_gives_up_after_three_rate_limits(billing: Billing, tofupay: FakeTofupay) -> None:
    tofupay.fail_next("rate_limit", times=3)

    with pytest.raises(BillingError) as raised:
        billing.sign_up("busy@example.com", "free")

    assert raised.value.status == 429
    assert raised.value.error["type"] == "rate_limit_error"
    assert tofupay.customers(api_key=API_KEY) == []


def test_a_repeated_sign_up_request_is_replayed_not_duplicated(
    billing: Billing, tofupay: FakeTofupay
) -> None:
    first = billing.sign_up("twice@example.com", "pro")
    again = billing.sign_up("twice@example.com", "pro")

    assert again.customer_id == first.customer_id
    assert len(tofupay.customers(api_key=API_KEY)) == 1
    assert tofupay.calls.last.response["id"] == first.customer_id


def test_sign_up_with_a_card_entered_in_the_form(billing: Billing, tofupay: FakeTofupay) -> None:
    token = tofupay.create_token(number="378282246310005", exp_month=4, exp_year=2030, cvc="1234")

    account = billing.sign_up("amex@example.com", "team", card_token=token)

    card = tofupay.get_customer(account.customer_id)["sources"]["data"][0]
    assert (card["brand"], card["last4"], card["cvc_check"]) == ("American Express", "0005", "pass")
