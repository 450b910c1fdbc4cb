"""API keys: read them from the Authorization header, check them, mask them."""

from __future__ import annotations

import base64
import re
from collections.abc import Collection

from . import messages
from .errors import authentication

_SECRET_KEY = re.compile(r"sk_(?:test|live)_[0-9A-Za-z]+")
_KEY_PREFIX = re.compile(r"[a-z]+_(?:test|live)_")


def mask_key(key: str) -> str:
    """``sk_test_4eC39HqLyjWDarjtT1zdp7dc`` -> ``sk_test_****p7dc``; short keys show no tail."""
    prefix_match = _KEY_PREFIX.match(key)
    prefix = prefix_match.group(0) if prefix_match else ""
    rest = key[len(prefix) :]
    tail = rest[-4:] if len(rest) > 4 else ""
    return f"{prefix}****{tail}"


def extract_key(authorization: str | None) -> str | None:
    """The key of a Basic (``key:``) or Bearer header; None when none was given."""
    if authorization is None or authorization.strip() == "":
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return credentials or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except ValueError:  # bad base64 (binascii.Error), non-ASCII text, undecodable bytes
            raise authentication(messages.MALFORMED_AUTHORIZATION) from None
        return decoded.partition(":")[0] or None
    raise authentication(messages.MALFORMED_AUTHORIZATION)


def check_key(key: str | None, allowed: Collection[str] | None) -> str:
    """Return ``key`` if it is a secret key (and allowed), else the documented 401."""
    if key is None:
        raise authentication(messages.NO_API_KEY)
    if not _SECRET_KEY.fullmatch(key) or (allowed is not None and key not in allowed):
        raise authentication(messages.INVALID_API_KEY.format(masked=mask_key(key)))
    return key
