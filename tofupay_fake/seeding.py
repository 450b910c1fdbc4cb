"""Realistic customer data from Faker; imported only when seeding is used."""

from __future__ import annotations

from typing import Any

from faker import Faker

PLANS = ("free", "starter", "pro", "enterprise")


def make_faker(seed: int) -> Faker:
    """A Faker of its own, seeded per instance (never the class-level seed)."""
    faker = Faker("en_US")
    faker.seed_instance(seed)
    return faker


def customer_fields(faker: Faker) -> dict[str, Any]:
    """Params for one customer: a safe email, a description and metadata."""
    name = faker.name()
    return {
        "email": faker.safe_email(),
        "description": f"{name}, {faker.company()}",
        "metadata": {
            "name": name,
            "plan": faker.random_element(PLANS),
            "signup_ip": faker.ipv4_public(),
        },
    }
