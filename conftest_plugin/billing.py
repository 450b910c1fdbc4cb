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


class Billing:
    """Sync billing over an ``httpx.Client``."""

    def __init__(self, api_key: str, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(base_url=API_BASE, auth=(api_key, ""))

    def sign_up(self, email: str, plan: str, card_token: str | None = None) -> Account:
        data = {"email": email, "description": f"{plan} plan", "metadata[plan]": plan}
        if card_token:
            data["source"] = card_token
        return _account(_check(self.client.post("/v1/customers", data=data)))

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
        data = {"email": email, "description": f"{plan} plan", "metadata[plan]": plan}
        if card_token:
            data["source"] = card_token
        return _account(_check(await self.client.post("/v1/customers", data=data)))

    async def change_email(self, customer_id: str, email: str) -> Account:
        response = await self.client.post(f"/v1/customers/{customer_id}", data={"email": email})
        return _account(_check(response))

    async def close_account(self, customer_id: str) -> bool:
        return bool(_check(await self.client.delete(f"/v1/customers/{customer_id}"))["deleted"])
