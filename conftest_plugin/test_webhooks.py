"""The webhook receiver's tests: the fake delivers real, signed events into the app."""

from __future__ import annotations

import pytest
from billing import AsyncBilling, Billing
from webhook_app import WEBHOOK_SECRET, Store, make_app, signature_ok

from tofupay_fake import FakeTofupay


@pytest.fixture
def store(tofupay: FakeTofupay) -> Store:
    """The application's store, fed by webhooks as each API call returns."""
    mirrored = Store()
    tofupay.webhooks.deliver_to(asgi=make_app(mirrored), secret=WEBHOOK_SECRET, mode="auto")
    return mirrored


def test_sign_up_arrives_by_webhook(billing: Billing, store: Store, tofupay: FakeTofupay) -> None:
    account = billing.sign_up("hook@example.com", "pro")

    assert store.customer(account.customer_id) == ("hook@example.com", "active")
    tofupay.webhooks.assert_delivered("customer.created", email="hook@example.com")


def test_email_change_and_closing_arrive_in_order(billing: Billing, store: Store) -> None:
    account = billing.sign_up("first@example.com", "free")
    billing.change_email(account.customer_id, "second@example.com")
    assert store.customer(account.customer_id) == ("second@example.com", "active")

    billing.close_account(account.customer_id)
    assert store.customer(account.customer_id) == ("second@example.com", "closed")


@pytest.mark.asyncio
async def test_async_calls_deliver_too(async_billing: AsyncBilling, store: Store) -> None:
    account = await async_billing.sign_up("async-hook@example.com", "team")
    assert store.customer(account.customer_id) == ("async-hook@example.com", "active")


def test_a_duplicate_delivery_is_applied_once(
    billing: Billing, store: Store, tofupay: FakeTofupay
) -> None:
    tofupay.webhooks.fail_next("duplicate")

    billing.sign_up("twice@example.com", "pro")

    assert [d.response_body for d in tofupay.webhooks.deliveries] == [
        '{"received":true,"duplicate":false}',
        '{"received":true,"duplicate":true}',
    ]
    assert store.handled() == 1


@pytest.mark.parametrize("fault", ["bad_signature", "stale_timestamp"])
def test_a_forged_or_replayed_delivery_is_refused_and_the_retry_accepted(
    billing: Billing, store: Store, tofupay: FakeTofupay, fault: str
) -> None:
    tofupay.webhooks.fail_next(fault)

    account = billing.sign_up("careful@example.com", "free")

    assert [(d.status, d.attempt) for d in tofupay.webhooks.deliveries] == [(400, 1), (200, 2)]
    assert store.customer(account.customer_id) == ("careful@example.com", "active")


def test_customers_seeded_by_the_test_are_not_announced(
    billing: Billing, store: Store, tofupay: FakeTofupay
) -> None:
    tofupay.seed_customers(3, "sk_test_billingApp0001")
    assert tofupay.webhooks.deliveries == []
    assert store.handled() == 0


def test_the_signature_check_needs_the_right_secret_and_a_fresh_time() -> None:
    from tofupay_fake.webhooks import sign

    header = sign(b"{}", WEBHOOK_SECRET, 1_000)
    assert signature_ok(b"{}", header, WEBHOOK_SECRET, now=1_000)
    assert not signature_ok(b"{}", header, "whsec_other", now=1_000)
    assert not signature_ok(b"{}", header, WEBHOOK_SECRET, now=1_301)
    assert not signature_ok(b"{ }", header, WEBHOOK_SECRET, now=1_000)
    assert not signature_ok(b"{}", "garbage", WEBHOOK_SECRET, now=1_000)
