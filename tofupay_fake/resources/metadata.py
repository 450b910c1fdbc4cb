"""Metadata on customers and cards: validation, merge, and the documented limits."""

from __future__ import annotations

from collections.abc import Mapping

from .. import messages
from ..errors import invalid_request
from ..params import Value, hash_of

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500


def bracketed_key_error(name: str) -> Exception | None:
    """The metadata error for a literal key like ``metadata[a[b]]``, else None."""
    if name.startswith("metadata[") and name.endswith("]"):
        return invalid_request(messages.METADATA_KEY_BRACKETS.format(key=name[9:-1]), "metadata")
    return None


def merge(current: Mapping[str, str], raw: Value) -> dict[str, str]:
    """Apply ``metadata`` params to ``current``: merge; ``k=""`` removes; ``""`` clears."""
    if raw == "":
        return {}
    changes = hash_of(raw, "metadata")
    merged = dict(current)
    for key, value in changes.items():
        if not isinstance(value, str):
            raise invalid_request(messages.METADATA_VALUE_NOT_STRING.format(key=key), "metadata")
        if "[" in key or "]" in key:
            raise invalid_request(messages.METADATA_KEY_BRACKETS.format(key=key), "metadata")
        if len(key) > MAX_KEY_LENGTH:
            raise invalid_request(
                messages.METADATA_KEY_TOO_LONG.format(
                    limit=MAX_KEY_LENGTH, key=key, length=len(key)
                ),
                "metadata",
            )
        if len(value) > MAX_VALUE_LENGTH:
            raise invalid_request(
                messages.METADATA_VALUE_TOO_LONG.format(
                    limit=MAX_VALUE_LENGTH, key=key, length=len(value)
                ),
                "metadata",
            )
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > MAX_KEYS:
        raise invalid_request(
            messages.METADATA_TOO_MANY_KEYS.format(limit=MAX_KEYS, count=len(merged)), "metadata"
        )
    return merged
