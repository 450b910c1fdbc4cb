"""How an Authorization header is shown once masked (every scheme and credential shape),
and which allow-lists of keys a fake takes."""

from __future__ import annotations

import base64

import pytest

from tofupay_fake import FakeTofupay, auth, messages

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"


def b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        pytest.param("Basic", "Basic", id="bare-basic"),
        pytest.param("BASIC", "BASIC", id="bare-basic-upper"),
        pytest.param("Bearer", "Bearer", id="bare-bearer"),
        pytest.param("bearer  ", "bearer", id="bare-bearer-lower-padded"),
        pytest.param("Token", "****", id="bare-other-word"),
        pytest.param(f"BEARER {KEY}", "BEARER sk_test_****p7dc", id="bearer-upper"),
        pytest.param(f"Basic {b64(f'{KEY}:'.encode())}", "Basic sk_test_****p7dc:", id="basic"),
        pytest.param(
            f"basic {b64(f'{KEY}:pass:word'.encode())}",
            "basic sk_test_****p7dc:",
            id="basic-user-ends-at-first-colon",
        ),
        pytest.param(
            f"Basic {b64(KEY.encode())}", "Basic sk_test_****p7dc:", id="basic-without-colon"
        ),
        pytest.param("Basic " + b64(b"\xff\xfe:"), "Basic ****", id="basic-not-utf8"),
        pytest.param(
            f"Token {b64(f'{KEY}:'.encode())}", "Token ****", id="other-scheme-valid-base64"
        ),
        pytest.param(f"Digest {KEY}", "Digest ****", id="other-scheme"),
    ],
)
def test_a_masked_authorization_keeps_the_scheme_and_hides_the_key(header: str, shown: str) -> None:
    assert auth.mask_authorization(header) == shown


def bad_key(key: object) -> str:
    return messages.BAD_KEY_FORMAT.format(what="api_keys: the key", key=key)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        pytest.param(["pk_test_abc"], bad_key("pk_test_abc"), id="publishable"),
        pytest.param([KEY, "sk_test_"], bad_key("sk_test_"), id="no-secret-part"),
        pytest.param([KEY, "sk_test_a-b"], bad_key("sk_test_a-b"), id="other-characters"),
        pytest.param([KEY, 5], bad_key(5), id="not-text-among-text"),
        pytest.param(
            ["sk_test_b!", "sk_test_a!"], bad_key("sk_test_a!"), id="first-bad-key-in-order"
        ),
    ],
)
def test_an_allow_list_with_a_key_that_is_not_a_secret_key_is_refused(
    keys: list[object], message: str
) -> None:
    with pytest.raises(ValueError) as info:
        FakeTofupay(api_keys=keys)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_an_allow_list_given_as_one_string_is_refused() -> None:
    with pytest.raises(TypeError) as info:
        FakeTofupay(api_keys=KEY)
    assert str(info.value) == "api_keys takes a list of keys, not one string"


def test_an_allow_list_of_secret_keys_is_kept() -> None:
    keys = [KEY, "sk_live_9", KEY]
    assert FakeTofupay(api_keys=keys).api_keys == frozenset(keys)
