"""Idempotent POSTs: replay the first answer to a key, refuse the key with other params.

As Stripe does, an answer is saved once the endpoint began executing (a 200, a
402 decline, a 404), but not when the params failed validation (a 400
``invalid_request_error``), so a corrected retry with the same key goes through.
"""

from __future__ import annotations

import json
from typing import Any

from . import messages
from .errors import TofupayError, invalid_request
from .store import Account, SavedResponse

MAX_KEY_LENGTH = 255


def signature(method: str, path: str, decoded: Any) -> str:
    """What must be the same for a key to be replayed: method, path and params."""
    return json.dumps([method, path, decoded], sort_keys=True, separators=(",", ":"))


def replay(account: Account, key: str, request: str) -> SavedResponse | None:
    """The saved answer for ``key``; a 400 ``idempotency_error`` if it was for other params."""
    if len(key) > MAX_KEY_LENGTH:
        raise invalid_request(
            messages.IDEMPOTENCY_KEY_TOO_LONG.format(limit=MAX_KEY_LENGTH, length=len(key))
        )
    saved = account.idempotency.get(key)
    if saved is not None and saved.request != request:
        raise TofupayError(400, "idempotency_error", messages.IDEMPOTENCY_MISMATCH.format(key=key))
    return saved


def saves(status: int, payload: dict[str, Any]) -> bool:
    """True unless the answer is a validation failure (400 ``invalid_request_error``)."""
    return not (status == 400 and payload.get("error", {}).get("type") == "invalid_request_error")


def save(account: Account, key: str, request: str, status: int, payload: dict[str, Any]) -> None:
    """Keep the answer to ``key`` for replays."""
    account.idempotency[key] = SavedResponse(request, status, payload)
