"""The billing application's webhook receiver: a small Starlette app.

It verifies the ``Tofupay-Signature`` header with the standard library only
(it knows nothing of tofupay_fake), ignores deliveries it has seen before,
and keeps what Tofupay tells it about customers in a SQLite table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

WEBHOOK_SECRET = "whsec_billingApp0001"
TOLERANCE = 300


def signature_ok(body: bytes, header: str, secret: str, now: float | None = None) -> bool:
    """True when ``header`` (``t=…,v1=…``) signs ``body`` with ``secret`` within the tolerance."""
    items = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    stamp = items.get("t", "")
    if not stamp.isdigit() or "v1" not in items:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs((time.time() if now is None else now) - int(stamp)) <= TOLERANCE
    return hmac.compare_digest(expected, items["v1"]) and fresh


class Store:
    """Customers as the application mirrors them, and the event ids it has handled."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(
            "CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT, status TEXT);"
            "CREATE TABLE seen (event_id TEXT PRIMARY KEY);"
        )

    def customer(self, customer_id: str) -> tuple[str | None, str] | None:
        row = self.db.execute(
            "SELECT email, status FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def handled(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM seen").fetchone()[0])

    def apply(self, event: dict[str, Any]) -> bool:
        """Apply one event; False when it was handled before (a duplicate delivery)."""
        with self.db:
            if self.db.execute("SELECT 1 FROM seen WHERE event_id = ?", (event["id"],)).fetchone():
                return False
            self.db.execute("INSERT INTO seen VALUES (?)", (event["id"],))
            obj = event["data"]["object"]
            if event["type"] in ("customer.created", "customer.updated"):
                self.db.execute(
                    "INSERT INTO customers VALUES (?, ?, 'active') ON CONFLICT(id) DO UPDATE "
                    "SET email = excluded.email",
                    (obj["id"], obj.get("email")),
                )
            elif event["type"] == "customer.deleted":
                self.db.execute("UPDATE customers SET status = 'closed' WHERE id = ?", (obj["id"],))
        return True


def make_app(store: Store, secret: str = WEBHOOK_SECRET) -> Starlette:
    """The receiver at ``POST /webhooks/tofupay``."""

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if not signature_ok(body, request.headers.get("tofupay-signature", ""), secret):
            return JSONResponse({"error": "bad signature"}, status_code=400)
        applied = store.apply(json.loads(body))
        return JSONResponse({"received": True, "duplicate": not applied})

    return Starlette(routes=[Route("/webhooks/tofupay", receive, methods=["POST"])])
