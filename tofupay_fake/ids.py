"""Deterministic object ids: each prefix has its own seeded stream.

Object ids (``cus_``, ``card_``, ``tok_``) draw each character as
``random.choices`` would. Request and event ids, made for every answer and
every change and never named by a request, take all their characters from
one draw of random bits: the same format, a few times cheaper.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping
from itertools import repeat
from math import floor
from typing import Any

ALPHABET = string.digits + string.ascii_letters
_SIZE = float(len(ALPHABET))  # what ``random.choices`` multiplies by

#: Length of the random part of each id, as in the API reference's examples.
ID_LENGTHS: dict[str, int] = {"cus": 14, "card": 24, "tok": 24, "req": 14, "evt": 24}
#: Prefixes whose ids take one byte of a single ``getrandbits`` draw per character.
BULK_PREFIXES = frozenset({"req", "evt"})
#: Byte -> character: ``ALPHABET[byte % 62]`` (the first 8 characters a little more often).
_BYTE_CHARACTERS = bytes(ord(ALPHABET[byte % len(ALPHABET)]) for byte in range(256))
_REQUEST_LENGTH = ID_LENGTHS["req"]
_REQUEST_BITS = 8 * _REQUEST_LENGTH


class IdFactory:
    """Makes ``cus_`` / ``card_`` / ``tok_`` / ``req_`` / ``evt_`` ids from a seed.

    Every prefix draws from its own stream, so making request ids never shifts
    the customer ids a test sees.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}
        #: prefix -> (its stream, ``"prefix_"``, length): what :meth:`new` reads.
        self._draws: dict[str, tuple[random.Random, str, int]] = {}
        self._sequence = 0
        #: prefix -> the state its stream continues from, once first drawn (see set_positions).
        self._resume: dict[str, tuple[Any, ...]] = {}
        #: prefix -> a test for ids already taken: such ids are skipped (see :meth:`skip_taken`).
        self._taken: dict[str, Callable[[str], bool]] = {}
        #: The ``req`` stream's ``getrandbits``, once drawn from (what :meth:`request_id` calls).
        self._request_bits: Callable[[int], int] | None = None

    def new(self, prefix: str) -> str:
        """Return the next id for ``prefix`` (one of :data:`ID_LENGTHS`)."""
        draw = self._draws.get(prefix)
        if draw is None:
            draw = self._draws[prefix] = (self._stream(prefix), f"{prefix}_", ID_LENGTHS[prefix])
        stream, head, length = draw
        bulk, next_random = prefix in BULK_PREFIXES, stream.random
        taken = self._taken.get(prefix)
        while True:
            if bulk:  # one byte of one draw per character: ``ALPHABET[byte % 62]``
                raw = stream.getrandbits(8 * length).to_bytes(length, "little")
                made = head + raw.translate(_BYTE_CHARACTERS).decode("ascii")
            else:
                # Exactly ``stream.choices(ALPHABET, k=length)`` (the same draws, the same
                # characters: ``ALPHABET[floor(random() * 62.0)]``), without its call overhead.
                made = head + "".join(
                    [ALPHABET[floor(next_random() * _SIZE)] for _ in repeat(None, length)]
                )
            if taken is None or not taken(made):
                return made

    def many(self, prefix: str, count: int) -> list[str]:
        """``[self.new(prefix) for _ in range(count)]``, drawn at once where that is the same.

        For a prefix of :data:`BULK_PREFIXES` whose ids are a whole number of
        32-bit words (event ids): ``getrandbits`` fills its result a word at a
        time from the lowest bits, so one draw of ``count`` ids' bits is the
        ``count`` draws one after the other.
        """
        length = ID_LENGTHS[prefix]
        if prefix not in BULK_PREFIXES or length % 4 or prefix in self._taken:
            return [self.new(prefix) for _ in range(count)]
        size = length * count
        raw = self._stream(prefix).getrandbits(8 * size).to_bytes(size, "little")
        text = raw.translate(_BYTE_CHARACTERS).decode("ascii")
        head = f"{prefix}_"
        return [head + text[at : at + length] for at in range(0, size, length)]

    def request_id(self) -> str:
        """``new("req")`` (the id every answer draws), without :meth:`new`'s dispatch."""
        bits = self._request_bits
        if bits is None:
            bits = self._request_bits = self._stream("req").getrandbits
        raw = bits(_REQUEST_BITS).to_bytes(_REQUEST_LENGTH, "little")
        return "req_" + raw.translate(_BYTE_CHARACTERS).decode("ascii")

    def _stream(self, prefix: str) -> random.Random:
        stream = self._streams.get(prefix)
        if stream is None:
            state = self._resume.pop(prefix, None)
            if state is None:
                stream = random.Random(f"{self.seed}:{prefix}")
            else:
                stream = random.Random(0)  # cheaper than seeding from the OS; replaced next
                stream.setstate(state)
            self._streams[prefix] = stream
        return stream

    def skip_taken(self, prefix: str, taken: Callable[[str], bool] | None) -> None:
        """Skip the ids of ``prefix`` for which ``taken(id)`` is true (None: skip none)."""
        if taken is None:
            self._taken.pop(prefix, None)
        else:
            self._taken[prefix] = taken

    def positions(self, prefixes: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
        """Where the streams of ``prefixes`` stand (``random.Random`` states) and the counter."""
        return {
            prefix: self._resume[prefix]
            if prefix in self._resume
            else self._stream(prefix).getstate()
            for prefix in prefixes
        }

    def set_positions(self, states: Mapping[str, tuple[Any, ...]], sequence: int) -> None:
        """Continue the given streams from ``states`` and the counter from ``sequence``."""
        for prefix, state in states.items():
            stream = self._streams.get(prefix)
            if stream is None:  # made when first drawn from (a fork may never draw)
                self._resume[prefix] = state
            else:
                stream.setstate(state)
        self._sequence = sequence

    @property
    def counter(self) -> int:
        """The last number :meth:`sequence` gave (0: none yet)."""
        return self._sequence

    def sequence(self) -> int:
        """The next number of a counter that orders objects made at the same second."""
        self._sequence += 1
        return self._sequence

    def reset(self) -> None:
        """Start every stream again from the seed."""
        self._streams.clear()
        self._draws.clear()
        self._request_bits = None
        self._resume.clear()
        self._sequence = 0
