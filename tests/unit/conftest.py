"""Unit-test fixtures: a fresh store, ids and clock (no HTTP)."""

from __future__ import annotations

import pytest

from tests.conftest import KEY
from tofupay_fake.clock import Clock
from tofupay_fake.ids import IdFactory
from tofupay_fake.resources import Env
from tofupay_fake.store import Account, Store


@pytest.fixture
def env() -> Env:
    """What resources need, seeded 0, the clock at the API reference's example time."""
    return Env(Store(), IdFactory(0), Clock())


@pytest.fixture
def account(env: Env) -> Account:
    """The account of ``KEY`` in ``env``'s store."""
    return env.store.account(KEY)
