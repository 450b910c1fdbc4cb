"""``seed_customers``: realistic, deterministic by seed, unique emails within an account."""

from __future__ import annotations

import ipaddress
import re

import pytest

from tofupay_fake import FakeTofupay, TofupayError
from tofupay_fake.seeding import CustomerData

KEY = "sk_test_seeding"


def test_the_same_seed_gives_the_same_customers() -> None:
    assert FakeTofupay(4).seed_customers(30, KEY) == FakeTofupay(4).seed_customers(30, KEY)
    assert FakeTofupay(4).seed_customers(3, KEY) != FakeTofupay(5).seed_customers(3, KEY)


def test_customers_look_real() -> None:
    for customer in FakeTofupay(1).seed_customers(50, KEY):
        name = customer["metadata"]["name"]
        first = name.split(" ", 1)[0]
        assert re.fullmatch(r"[a-z0-9.]+@example\.(com|org|net)", customer["email"])
        assert customer["email"].startswith(f"{first}.".lower()[:2])
        assert customer["description"].startswith(f"{name}, ")
        assert customer["metadata"]["plan"] in ("free", "starter", "pro", "enterprise")
        address = ipaddress.IPv4Address(customer["metadata"]["signup_ip"])
        assert address.is_global, address


def test_emails_are_unique_within_an_account_across_calls() -> None:
    fake = FakeTofupay(2)
    for _ in range(4):
        fake.seed_customers(600, KEY)
    emails = [customer["email"] for customer in fake.customers(KEY)]
    assert len(emails) == len(set(emails)) == 2400


def test_emails_already_there_are_never_given_again() -> None:
    upcoming = [c["email"] for c in FakeTofupay(9).seed_customers(5, KEY)]
    fake = FakeTofupay(9)
    for email in upcoming:
        fake.add_customer(KEY, email=email)
    again = [c["email"] for c in fake.seed_customers(5, KEY)]
    assert not set(again) & set(upcoming)
    assert [email.split("@")[0].rstrip("0123456789") for email in again] == [
        email.split("@")[0] for email in upcoming
    ]


def test_a_taken_email_gets_a_number() -> None:
    data, twin = CustomerData(0), CustomerData(0)
    first = data.fields(())["email"]
    local, domain = first.split("@")
    assert twin.fields({first, f"{local}2@{domain}"})["email"] == f"{local}3@{domain}"


def test_cards_and_overrides() -> None:
    made = FakeTofupay(3).seed_customers(2, KEY, with_cards=True, metadata={"tier": "gold"})
    assert [c["sources"]["data"][0]["brand"] for c in made] == ["Visa", "Visa"]
    assert [c["metadata"] for c in made] == [{"tier": "gold"}] * 2
    same = FakeTofupay(3).seed_customers(2, KEY, email="same@example.com")
    assert [c["email"] for c in same] == ["same@example.com"] * 2


@pytest.mark.parametrize("n", [-1, True, 1.5, "3"])
def test_a_bad_count_is_a_value_error(n: object) -> None:
    with pytest.raises(ValueError, match="count >= 0"):
        FakeTofupay().seed_customers(n, KEY)  # type: ignore[arg-type]


def test_bad_overrides_and_keys_are_refused_before_anything_is_made() -> None:
    fake = FakeTofupay(api_keys=[KEY])
    with pytest.raises(TofupayError):
        fake.seed_customers(2, KEY, email="not an email")
    with pytest.raises(TofupayError):
        fake.seed_customers(2, KEY, colour="blue")
    with pytest.raises(TofupayError):
        fake.seed_customers(2, "sk_test_unknown")
    assert fake.customers() == []
