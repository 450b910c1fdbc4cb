"""API resources: plain arguments in, store changes and records out; no HTTP here."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..ids import IdFactory
from ..store import Store


@dataclass(slots=True)
class Env:
    """What resources need besides the account: the store, ids, time and options."""

    store: Store
    ids: IdFactory
    clock: Clock
    strict_tokens: bool = False
