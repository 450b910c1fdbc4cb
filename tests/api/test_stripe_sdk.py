"""The official stripe SDK, pointed at the fake, in process: on requests, urllib, httpx and aiohttp.

The SDK sends what it always sends (``Stripe-Version``, its user agents, a
Bearer key, an ``Idempotency-Key`` on POST, bracket-encoded params) and
reads what the fake answers into its own objects and errors.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import stripe

from tests.clients import Network, guarded_network
from tests.conftest import BASE, KEY
from tofupay_fake import FakeTofupay

PUBLISHABLE = "pk_test_" + KEY.removeprefix("sk_test_")  # the same account's publishable key
CARD = {"number": "4242424242424242", "exp_month": "3", "exp_year": "2030", "cvc": "123"}

#: Each client the SDK can use -> its name in the SDK's ``X-Stripe-Client-User-Agent``.
SYNC = {"requests": "requests", "urllib": "urllib.request"}
ASYNC = {"httpx": "httpx", "aiohttp": "aiohttp"}

#: run(service, method name, *args, **kwargs): one SDK call, awaited when the client is async.
Run = Callable[..., Awaitable[Any]]


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """No DNS lookup and no connection off loopback (the test fails if one was tried)."""
    yield from guarded_network(monkeypatch)


def http_client(name: str) -> stripe.HTTPClient | None:
    """The SDK's HTTP client for ``name``; None is its default (requests, when installed)."""
    made: dict[str, Callable[[], stripe.HTTPClient | None]] = {
        "requests": lambda: None,
        "urllib": stripe.UrllibClient,
        "httpx": stripe.HTTPXClient,
        "aiohttp": stripe.AIOHTTPClient,
    }
    return made[name]()


def sdk(key: str, client: stripe.HTTPClient | None, retries: int = 0) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": BASE},
        http_client=client,
        max_network_retries=retries,
    )


def runner(asynchronous: bool) -> Run:
    """How the lifecycle calls the SDK: its sync methods, or their ``_async`` twins awaited."""

    async def run(service: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if asynchronous:
            return await getattr(service, f"{name}_async")(*args, **kwargs)
        return getattr(service, name)(*args, **kwargs)

    return run


async def lifecycle(tofupay: FakeTofupay, library: str, client: stripe.HTTPClient | None) -> None:
    """Token, create, retrieve, update, list, delete and two errors through the SDK."""
    run = runner(library in ASYNC)
    secret, publishable = sdk(KEY, client), sdk(PUBLISHABLE, client)
    token = await run(publishable.v1.tokens, "create", params={"card": CARD})
    assert (token.object, token.card.last4, token.used) == ("token", "4242", False)
    created = await run(secret.v1.customers, "create", params={
        "source": token.id, "email": "sdk@example.com", "metadata": {"plan": "pro"},
    })  # fmt: skip
    assert isinstance(created, stripe.Customer)
    card = created.sources.data[0]
    assert (created.default_source, card.last4, card.exp_year) == (card.id, "4242", 2030)
    assert created.last_response.request_id == tofupay.calls.last.request_id
    got = await run(secret.v1.customers, "retrieve", created.id)
    assert got.to_dict() == created.to_dict()
    updated = await run(secret.v1.customers, "update", created.id, params={
        "description": "VIP", "metadata": {"seats": "3"},
    })  # fmt: skip
    assert (updated.description, updated.metadata.to_dict()) == (
        "VIP",
        {"plan": "pro", "seats": "3"},
    )
    listed = await run(secret.v1.customers, "list", params={"limit": 10})
    assert [customer.id for customer in listed.data] == [created.id]
    deleted = await run(secret.v1.customers, "delete", created.id)
    assert (deleted.id, deleted.deleted) == (created.id, True)
    with pytest.raises(stripe.InvalidRequestError, match="No such customer: cus_nope") as missing:
        await run(secret.v1.customers, "retrieve", "cus_nope")
    assert (missing.value.http_status, missing.value.param) == (404, "id")
    assert missing.value.request_id == tofupay.calls.last.request_id
    with pytest.raises(stripe.CardError, match="Your card was declined") as declined:
        await run(secret.v1.customers, "create", params={"source": "tok_chargeDeclined"})
    assert (declined.value.http_status, declined.value.code) == (402, "card_declined")

    cid = created.id
    assert [(c.method, c.path, c.status_code) for c in tofupay.calls] == [
        ("POST", "/v1/tokens", 200),
        ("POST", "/v1/customers", 200),
        ("GET", f"/v1/customers/{cid}", 200),
        ("POST", f"/v1/customers/{cid}", 200),
        ("GET", "/v1/customers", 200),
        ("DELETE", f"/v1/customers/{cid}", 200),
        ("GET", "/v1/customers/cus_nope", 404),
        ("POST", "/v1/customers", 402),
    ]
    calls = tofupay.calls
    assert calls[1].params == {"source": token.id, "email": "sdk@example.com",
                               "metadata": {"plan": "pro"}}  # fmt: skip
    assert calls[3].params == {"description": "VIP", "metadata": {"seats": "3"}}
    assert calls[4].params == {"limit": "10"}
    assert [c.api_key for c in calls[1:]] == [KEY] * 7
    for call in calls:
        assert call.headers["authorization"].startswith("Bearer ")
        assert call.headers["stripe-version"]
        used = json.loads(call.headers["x-stripe-client-user-agent"])["httplib"]
        assert used == {**SYNC, **ASYNC}[library]
    assert tofupay.customers(KEY) == []
    assert [event["type"] for event in tofupay.events] == [
        "customer.created", "customer.source.created", "customer.updated", "customer.deleted",
    ]  # fmt: skip


@pytest.mark.parametrize("library", list(SYNC))
def test_customer_lifecycle_sync(tofupay: FakeTofupay, library: str) -> None:
    client = http_client(library)
    asyncio.run(lifecycle(tofupay, library, client))


# The SDK hands httpx its form body as data=bytes, which httpx 0.28 deprecates.
@pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
@pytest.mark.parametrize("library", list(ASYNC))
def test_customer_lifecycle_async(tofupay: FakeTofupay, library: str) -> None:
    client = http_client(library)
    assert client is not None

    async def go() -> None:
        try:
            await lifecycle(tofupay, library, client)
        finally:
            await client.close_async()

    asyncio.run(go())


@pytest.mark.parametrize("library", list(SYNC))
def test_a_lost_answer_is_retried_and_replayed(
    tofupay: FakeTofupay, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.001)  # the SDK's backoff: 0.5 s
    tofupay.fail_next("api_error", when="after", method="POST", path="/v1/customers")
    secret = sdk(KEY, http_client(library), retries=1)
    made = secret.v1.customers.create(params={"email": "retry@example.com"})
    first, retry = tofupay.calls
    assert (first.status_code, retry.status_code) == (500, 200)
    assert first.idempotency_key is not None
    assert retry.idempotency_key == first.idempotency_key  # the SDK's own key, sent again
    headers = {name.lower(): value for name, value in made.last_response.headers.items()}
    assert headers["idempotent-replayed"] == "true"
    assert [customer["id"] for customer in tofupay.customers(KEY)] == [made.id]
    assert [event["type"] for event in tofupay.events] == ["customer.created"]


def test_the_global_configuration(tofupay: FakeTofupay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe, "api_key", KEY)
    monkeypatch.setattr(stripe, "api_base", BASE)
    monkeypatch.setattr(stripe, "default_http_client", None)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    made = stripe.Customer.create(email="global@example.com", source="tok_visa")
    assert stripe.Customer.retrieve(made.id).email == "global@example.com"
    assert [c.id for c in stripe.Customer.list(limit=3)] == [made.id]
    tofupay.assert_called("POST", "/v1/customers", params={"email": "global@example.com",
                                                           "source": "tok_visa"}, times=1)  # fmt: skip


@pytest.mark.parametrize("fault", ["timeout", "connection_error"])
@pytest.mark.parametrize("library", list(SYNC))
def test_a_network_fault_is_the_sdks_connection_error(
    tofupay: FakeTofupay, library: str, fault: str
) -> None:
    tofupay.fail_next(fault, when="after")
    secret = sdk(KEY, http_client(library))
    # urllib raises a read timeout as a bare TimeoutError (not URLError), which the
    # SDK's urllib client lets through, as it does with a real server.
    expected = (
        TimeoutError if (library, fault) == ("urllib", "timeout") else stripe.APIConnectionError
    )
    with pytest.raises(expected):
        secret.v1.customers.create(params={"email": "lost@example.com"})
    assert [call.status_code for call in tofupay.calls] == [0]
    assert len(tofupay.customers(KEY)) == 1  # made, but the answer was lost
