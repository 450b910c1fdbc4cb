"""Deterministic object ids: each prefix has its own seeded stream."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from itertools import repeat
from math import floor

ALPHABET = string.digits + string.ascii_letters
_SIZE = float(len(ALPHABET))  # what ``random.choices`` multiplies by

#: Length of the random part of each id, as in the seed document's examples.
ID_LENGTHS: dict[str, int] = {"cus": 14, "card": 24, "tok": 24, "req": 14, "evt": 24}


class IdFactory:
    """Makes ``cus_`` / ``card_`` / ``tok_`` / ``req_`` / ``evt_`` ids from a seed.

    Every prefix draws from its own stream, so making request ids never shifts
    the customer ids a test sees.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}
        #: prefix -> (its stream's ``random``, ``"prefix_"``, length): what :meth:`new` reads.
        self._draws: dict[str, tuple[Callable[[], float], str, int]] = {}
        self._sequence = 0

    def new(self, prefix: str) -> str:
        """Return the next id for ``prefix`` (one of :data:`ID_LENGTHS`)."""
        draw = self._draws.get(prefix)
        if draw is None:
            stream = self._streams[prefix] = random.Random(f"{self.seed}:{prefix}")
            draw = self._draws[prefix] = (stream.random, f"{prefix}_", ID_LENGTHS[prefix])
        next_random, head, length = draw
        # Exactly ``stream.choices(ALPHABET, k=length)`` (the same draws, the same
        # characters: ``ALPHABET[floor(random() * 62.0)]``), without its call overhead.
        return head + "".join(
            [ALPHABET[floor(next_random() * _SIZE)] for _ in repeat(None, length)]
        )

    def sequence(self) -> int:
        """The next number of a counter that orders objects made at the same second."""
        self._sequence += 1
        return self._sequence

    def reset(self) -> None:
        """Start every stream again from the seed."""
        self._streams.clear()
        self._draws.clear()
        self._sequence = 0
