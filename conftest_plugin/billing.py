"""A small billing module, as an application would write it: it signs users up
as Tofupay customers, changes their email and closes their account over httpx.

It knows nothing of tofupay_fake; its tests (beside it) use the ``tofupay``
fixture exactly as any user's suite would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

API_BASE = "https://api.tofupay.com"
#: Answers worth retrying (with the same Idempotency-Key, so nothing is made twice).
RETRY_STATUSES = {429, 500, 502, 503}
ATTEMPTS = 3


class BillingError(Exception):
    """The payment provider refused a request; carries its error object."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"{status} {error.get('type')}: {error.get('message')}")
        self.status = status
        self.error = error


@dataclass
class Account:
    """What the application keeps about a paying user."""

    customer_id: str
    email: str
    card_last4: str | None


def _check(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    if response.status_code >= 400:
        raise BillingError(response.status_code, body["error"])
    return body


def _account(customer: dict[str, Any]) -> Account:
    cards = customer["sources"]["data"]
    return Account(customer["id"], customer["email"], cards[0]["last4"] if cards else None)


def _sign_up_params(email: str, plan: str, card_token: str | None) -> dict[str, str]:
    data = {"email": email, "description": f"{plan} plan", "metadata[plan]": plan}
    if card_token:
        data["source"] = card_token
    return data


class Billing:
    """Sync billing over an ``httpx.Client``."""

    def __init__(self, api_key: str, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(base_url=API_BASE, auth=(api_key, ""))

    def sign_up(
        self, email: str, plan: str, card_token: str | None = None, *, request_key: str = ""
    ) -> Account:
        """Create the customer; retries timeouts and 429/5xx under one Idempotency-Key."""
        headers = {"Idempotency-Key": request_key or f"sign-up-{email}"}
        data = _sign_up_params(email, plan, card_token)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self.client.post("/v1/customers", data=data, headers=headers)
            except httpx.TimeoutException:
                if attempt == ATTEMPTS:
                    raise
                continue
            if response.status_code not in RETRY_STATUSES or attempt == ATTEMPTS:
                break
        return _account(_check(response))

    def change_email(self, customer_id: str, email: str) -> Account:
        body = _check(self.client.post(f"/v1/customers/{customer_id}", data={"email": email}))
        return _account(body)

    def close_account(self, customer_id: str) -> bool:
        return bool(_check(self.client.delete(f"/v1/customers/{customer_id}"))["deleted"])

    def find_by_email(self, email: str) -> list[str]:
        body = _check(self.client.get("/v1/customers", params={"email": email, "limit": 100}))
        return [customer["id"] for customer in body["data"]]


class AsyncBilling:
    """The same over an ``httpx.AsyncClient``."""

    def __init__(self, api_key: str, client: httpx.AsyncClient | None = None) -> None:
        self.client = client or httpx.AsyncClient(base_url=API_BASE, auth=(api_key, ""))

    async def sign_up(self, email: str, plan: str, card_token: str | None = None) -> Account:
        data = _sign_up_params(email, plan, card_token)
        return _account(_check(await self.client.post("/v1/customers", data=data)))

    async def change_email(self, customer_id: str, email: str) -> Account:
        response = await self.client.post(f"/v1/customers/{customer_id}", data={"email": email})
        return _account(_check(response))

    async def close_account(self, customer_id: str) -> bool:
        return bool(_check(await self.client.delete(f"/v1/customers/{customer_id}"))["deleted"])
