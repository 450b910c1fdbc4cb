"""The example application's fixtures: the ``tofupay`` fixture comes from the plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from billing import AsyncBilling, Billing

from tofupay_fake import FakeTofupay

API_KEY = "sk_test_billingApp0001"


@pytest.fixture
def billing(tofupay: FakeTofupay) -> Iterator[Billing]:
    """The application's billing client, talking to the fake."""
    app = Billing(API_KEY)
    yield app
    app.client.close()


@pytest_asyncio.fixture
async def async_billing(tofupay: FakeTofupay) -> AsyncIterator[AsyncBilling]:
    """The async billing client, talking to the fake."""
    app = AsyncBilling(API_KEY)
    yield app
    await app.client.aclose()
