"""API keys: read them from the Authorization header, check them, mask them.

Secret keys (``sk_test_…``, ``sk_live_…``) are letters and digits after the
prefix. A publishable key (``pk_test_…``, ``pk_live_…``) belongs to the
account whose secret key has the same mode and suffix, and may only create
tokens.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Iterable

from . import messages
from .errors import authentication

_SECRET_KEY = re.compile(r"sk_(?:test|live)_[0-9A-Za-z]+")
_PUBLISHABLE_KEY = re.compile(r"pk_(test|live)_([0-9A-Za-z]+)")
_KEY_PREFIX = re.compile(r"[a-z]+_(?:test|live)_")


def mask_key(key: str) -> str:
    """``sk_test_4eC39HqLyjWDarjtT1zdp7dc`` -> ``sk_test_****p7dc``.

    The last four characters show only when at least eight others stay
    hidden, so a short key is never given away.
    """
    prefix_match = _KEY_PREFIX.match(key)
    prefix = prefix_match.group(0) if prefix_match else ""
    rest = key[len(prefix) :]
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{prefix}****{tail}"


def mask_authorization(value: str) -> str:
    """An Authorization header as it may be shown: the scheme and the masked key, never the key."""
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return f"{scheme} {mask_key(credentials)}"
    if scheme.lower() == "basic" and credentials:
        try:
            user = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")[0]
        except (ValueError, binascii.Error):
            return f"{scheme} ****"
        return f"{scheme} {mask_key(user)}:"
    if not credentials:  # one word: a key sent without a scheme, or a bare scheme
        return scheme if scheme.lower() in ("basic", "bearer") else "****"
    return f"{scheme} ****"


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
    try:
        secret = _SECRET_KEY.fullmatch(key)
    except TypeError:  # a Python helper given something else than a key
        raise TypeError(
            f"api_key takes a secret key as a str (sk_test_...), got {type(key).__name__}"
        ) from None
    if not secret or (allowed is not None and key not in allowed):
        if _PUBLISHABLE_KEY.fullmatch(key):
            raise authentication(messages.PUBLISHABLE_KEY_NOT_ALLOWED)
        raise authentication(messages.INVALID_API_KEY.format(masked=mask_key(key)))
    return key


def is_publishable(key: str | None) -> bool:
    """True for a key shaped like a publishable key (``pk_test_…``/``pk_live_…``)."""
    return key is not None and key.startswith("pk_")


def account_of_publishable(key: str, allowed: Collection[str] | None) -> str:
    """The secret key of the account a publishable key belongs to, else the 401."""
    found = _PUBLISHABLE_KEY.fullmatch(key)
    secret = f"sk_{found.group(1)}_{found.group(2)}" if found else None
    if secret is None or (allowed is not None and secret not in allowed):
        raise authentication(messages.INVALID_API_KEY.format(masked=mask_key(key)))
    return secret


def checked_keys(keys: Iterable[str], what: str) -> frozenset[str]:
    """``keys`` as an allow-list, each checked to be a secret key; ValueError naming a bad one."""
    if isinstance(keys, str):
        raise TypeError("api_keys takes a list of keys, not one string")
    found = frozenset(keys)
    for key in sorted(found, key=repr):
        if not isinstance(key, str) or not _SECRET_KEY.fullmatch(key):
            raise ValueError(messages.BAD_KEY_FORMAT.format(what=what, key=key))
    return found
