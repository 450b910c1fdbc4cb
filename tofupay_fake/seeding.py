"""Realistic customer data, deterministic by seed; imported only when seeding is used.

Faker is asked once per process for pools of first names, last names and
companies (its ``en_US`` locale, seeded 0); each fake then combines them with
a stream of its own seed, which costs a few random draws per customer instead
of a few hundred microseconds of Faker. Emails are unique within an account.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Container
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

PLANS = ("free", "starter", "pro", "enterprise")
#: Domains reserved for documentation: an email here never reaches anyone.
DOMAINS = ("example.com", "example.org", "example.net")
#: How many names and companies are asked of Faker (the pools keep the distinct ones).
POOL_SIZE = 500
#: First octets of public IPv4 addresses (no private, loopback, link-local or reserved ranges).
_PUBLIC_FIRST = tuple(n for n in range(1, 224) if n not in (10, 100, 127, 169, 172, 192, 198))


def make_faker(seed: int) -> Faker:
    """A Faker of its own, seeded per instance (never the class-level seed)."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(seed)
    return faker


@functools.cache
def pools() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(first names, last names, companies) from Faker, drawn once per process, sorted."""
    faker = make_faker(0)
    firsts = sorted({faker.first_name() for _ in range(POOL_SIZE)})
    lasts = sorted({faker.last_name() for _ in range(POOL_SIZE)})
    companies = sorted({faker.company() for _ in range(POOL_SIZE)})
    return tuple(firsts), tuple(lasts), tuple(companies)


class CustomerData:
    """Customer params from one seed: the same seed gives the same customers, in order."""

    __slots__ = ("_companies", "_firsts", "_lasts", "_random")

    def __init__(self, seed: int) -> None:
        self._firsts, self._lasts, self._companies = pools()
        self._random = random.Random(f"{seed}:customers")

    def fields(self, taken: Container[str]) -> dict[str, Any]:
        """Form params of one customer whose email is not in ``taken``.

        ``{"email", "description", "metadata": {"name", "plan", "signup_ip"}}``.
        """
        pick = self._random.choice
        draw = self._random.randrange
        first, last, company = pick(self._firsts), pick(self._lasts), pick(self._companies)
        local = "".join(c for c in f"{first}.{last}".lower() if c.isalnum() or c == ".")
        domain = pick(DOMAINS)
        email = f"{local}@{domain}"
        number = 1
        while email in taken:
            number += 1
            email = f"{local}{number}@{domain}"
        name = f"{first} {last}"
        return {
            "email": email,
            "description": f"{name}, {company}",
            "metadata": {
                "name": name,
                "plan": pick(PLANS),
                "signup_ip": f"{pick(_PUBLIC_FIRST)}.{draw(256)}.{draw(256)}.{draw(1, 255)}",
            },
        }
