"""Idempotent POSTs: replay the first answer to a key, refuse the key with other params.

Every answer to an authenticated POST with an ``Idempotency-Key`` is saved,
whatever its status (a 200, a 400, a 402 decline, a 404), and replayed to the
same request. Injected faults are never saved, so a retry after one executes.
"""

from __future__ import annotations

import json
from typing import Any

from . import messages
from .errors import TofupayError, invalid_request
from .params import Params
from .store import Account, SavedResponse

MAX_KEY_LENGTH = 255


def signature(
    method: str, path: str, pairs: list[tuple[str, str]] | None, query: str, body: bytes
) -> str:
    """What must be the same for a key to be replayed: method, path and the sent params.

    ``pairs`` are the request's decoded (name, value) pairs, compared grouped
    by name (so ``a=1&b=2`` equals ``b=2&a=1`` but ``x[]=1&x[]=2`` differs
    from ``x[]=2&x[]=1``); a request whose params do not decode (None)
    compares its query and body as sent.
    """
    if pairs is None:
        return json.dumps([method, path, query, body.decode("latin-1")], separators=(",", ":"))
    ordered = sorted(pairs, key=lambda pair: pair[0])
    return json.dumps([method, path, ordered], separators=(",", ":"))


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


def save(
    account: Account, key: str, request: str, params: Params, status: int, payload: dict[str, Any]
) -> None:
    """Keep the answer to ``key`` for replays."""
    account.idempotency[key] = SavedResponse(request, params, status, payload)
