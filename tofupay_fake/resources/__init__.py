"""API resources: plain arguments in, store changes and dicts out; no HTTP here."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from ..ids import IdFactory


@dataclass(slots=True)
class Env:
    """What resources need from the fake besides the account: ids, time, options."""

    ids: IdFactory
    clock: Clock
    strict_tokens: bool = False
