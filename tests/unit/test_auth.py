"""Truth tables for auth.py: reading, checking and masking API keys."""

from __future__ import annotations

import base64

import pytest

from tofupay_fake import auth, messages
from tofupay_fake.errors import TofupayError

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"


def basic(userinfo: str) -> str:
    return "Basic " + base64.b64encode(userinfo.encode()).decode()


# -- extract_key -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(basic(f"{KEY}:"), KEY, id="basic-key-colon"),
        pytest.param(basic(KEY), KEY, id="basic-no-colon"),
        pytest.param(basic(f"{KEY}:ignored"), KEY, id="basic-password-ignored"),
        pytest.param(basic(f"{KEY}:").replace("Basic", "basic"), KEY, id="basic-lowercase"),
        pytest.param(basic(f"{KEY}:").replace("Basic", "BASIC"), KEY, id="basic-uppercase"),
        pytest.param(f"Bearer {KEY}", KEY, id="bearer"),
        pytest.param(f"bearer {KEY}", KEY, id="bearer-lowercase"),
        pytest.param(f"BEARER {KEY}", KEY, id="bearer-uppercase"),
        pytest.param(f"  Bearer   {KEY}  ", KEY, id="bearer-extra-spaces"),
        pytest.param("Bearer pk_test_abc", "pk_test_abc", id="bearer-any-key-returned"),
        pytest.param(None, None, id="missing"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param("Bearer", None, id="bearer-without-key"),
        pytest.param("Bearer   ", None, id="bearer-blank-key"),
        pytest.param("Basic", None, id="basic-without-credentials"),
        pytest.param(basic(":secret"), None, id="basic-empty-user"),
        pytest.param(basic(":"), None, id="basic-only-colon"),
    ],
)
def test_extract_key(header: str | None, expected: str | None) -> None:
    assert auth.extract_key(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(f"Token {KEY}", id="unknown-scheme"),
        pytest.param(KEY, id="bare-key"),
        pytest.param(f"Digest {KEY}", id="digest"),
        pytest.param("Basic !!!notbase64", id="basic-bad-base64"),
        pytest.param("Basic c2tfdGVzdF9hYmM", id="basic-missing-padding"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:").decode(), id="basic-not-utf8"),
        # found by fuzzing: non-ASCII text raised ValueError out of b64decode, a crash
        pytest.param("Basic é", id="basic-non-ascii"),
        pytest.param("Basic c2tf\ud800", id="basic-lone-surrogate"),
    ],
)
def test_extract_key_malformed(header: str) -> None:
    with pytest.raises(TofupayError) as info:
        auth.extract_key(header)
    assert (info.value.status, info.value.type) == (401, "authentication_error")
    assert info.value.message == messages.MALFORMED_AUTHORIZATION
    assert info.value.param is None
    assert KEY not in str(info.value)


# -- check_key ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(KEY, id="test-key"),
        pytest.param("sk_live_liveAccount000000", id="live-key"),
        pytest.param("sk_test_1", id="one-char"),
    ],
)
def test_check_key_accepts_secret_keys(key: str) -> None:
    assert auth.check_key(key, None) == key


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        pytest.param("rk_test_4eC39HqLyjWDarjt", "rk_test_****arjt", id="restricted"),
        pytest.param("rk_live_4eC39HqLyjWDarjt", "rk_live_****arjt", id="restricted-live"),
        pytest.param("sk_prod_4eC39HqLyjWDarjt", "****arjt", id="unknown-mode"),
        pytest.param("sk_test_", "sk_test_****", id="prefix-only"),
        pytest.param("sk_test_abc-defghijkl", "sk_test_****ijkl", id="dash"),
        pytest.param("sk_test_abc defghijkl", "sk_test_****ijkl", id="space"),
        pytest.param("sk_test_abcdéfghijkl", "sk_test_****ijkl", id="non-ascii"),
        pytest.param("sk_test_abcdefghijk\n", "sk_test_****ijk\n", id="trailing-newline"),
        pytest.param("sk_test_abc-defghij", "sk_test_****", id="short-dash"),
        pytest.param("SK_TEST_abcdefghij", "****ghij", id="uppercase-prefix"),
        pytest.param("hunter2hunter2", "****ter2", id="random-string"),
        pytest.param("hunter2hunt", "****", id="random-string-short"),
        pytest.param("abc", "****", id="short-random"),
        pytest.param("", "****", id="empty-string"),
    ],
)
def test_check_key_rejects_other_keys(key: str, masked: str) -> None:
    with pytest.raises(TofupayError) as info:
        auth.check_key(key, None)
    assert (info.value.status, info.value.type) == (401, "authentication_error")
    assert info.value.message == f"Invalid API Key provided: {masked}"
    if len(key) > len("sk_test_"):
        assert key not in info.value.message


@pytest.mark.parametrize("key", ["pk_test_4eC39HqLyjWDarjt", "pk_live_abc123"])
def test_check_key_refuses_a_publishable_key_with_its_own_message(key: str) -> None:
    with pytest.raises(TofupayError) as info:
        auth.check_key(key, None)
    assert (info.value.status, info.value.type) == (401, "authentication_error")
    assert info.value.message == "This API call cannot be made with a publishable API key."


@pytest.mark.parametrize(
    ("key", "allowed", "account"),
    [
        pytest.param("pk_test_abc123", None, "sk_test_abc123", id="test"),
        pytest.param("pk_live_abc123", None, "sk_live_abc123", id="live"),
        pytest.param("pk_test_abc123", {"sk_test_abc123"}, "sk_test_abc123", id="listed"),
        pytest.param("pk_test_abc123", {"sk_test_other"}, None, id="secret-not-listed"),
        pytest.param("pk_test_", None, None, id="no-suffix"),
        pytest.param("pk_test_abc-123", None, None, id="bad-character"),
        pytest.param("pk_prod_abc123", None, None, id="unknown-mode"),
    ],
)
def test_publishable_key_belongs_to_the_secret_key_with_its_suffix(
    key: str, allowed: set[str] | None, account: str | None
) -> None:
    if account is not None:
        assert auth.account_of_publishable(key, allowed) == account
        return
    with pytest.raises(TofupayError) as info:
        auth.account_of_publishable(key, allowed)
    assert info.value.status == 401
    assert info.value.message == f"Invalid API Key provided: {auth.mask_key(key)}"


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc", "Bearer sk_test_****p7dc"),
        ("bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc", "bearer sk_test_****p7dc"),
        ("Basic c2tfdGVzdF80ZUMzOUhxTHlqV0Rhcmp0VDF6ZHA3ZGM6", "Basic sk_test_****p7dc:"),
        ("Basic !!!", "Basic ****"),
        ("Bearer short", "Bearer ****"),
        ("Token sk_test_4eC39HqLyjWDarjtT1zdp7dc", "Token ****"),
        ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "****"),
        ("", "****"),
    ],
)
def test_mask_authorization_never_shows_the_key(header: str, shown: str) -> None:
    assert auth.mask_authorization(header) == shown
    assert "4eC39HqLyjWDarjtT1zdp7dc" not in shown


def test_check_key_missing() -> None:
    with pytest.raises(TofupayError) as info:
        auth.check_key(None, None)
    assert (info.value.status, info.value.type) == (401, "authentication_error")
    assert info.value.message == messages.NO_API_KEY
    assert info.value.message.startswith("You did not provide an API key.")


@pytest.mark.parametrize(
    ("key", "allowed", "ok"),
    [
        pytest.param(KEY, {KEY}, True, id="listed"),
        pytest.param(KEY, [KEY, "sk_test_other"], True, id="listed-among-others"),
        pytest.param("sk_test_other1234", {KEY}, False, id="not-listed"),
        pytest.param(KEY, set(), False, id="empty-allow-list"),
        pytest.param("rk_test_abcdefgh", {"rk_test_abcdefgh"}, False, id="listed-but-not-secret"),
    ],
)
def test_check_key_allow_list(key: str, allowed: set[str] | list[str], ok: bool) -> None:
    if ok:
        assert auth.check_key(key, allowed) == key
        return
    with pytest.raises(TofupayError) as info:
        auth.check_key(key, allowed)
    assert info.value.status == 401
    assert info.value.message == f"Invalid API Key provided: {auth.mask_key(key)}"
    assert key not in info.value.message


# -- mask_key ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        pytest.param("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_****p7dc", id="test-key"),
        pytest.param("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_****p7dc", id="live-key"),
        pytest.param("pk_test_abcdefghijkl", "pk_test_****ijkl", id="publishable"),
        pytest.param("sk_test_abcdefghijkl", "sk_test_****ijkl", id="rest-of-twelve"),
        pytest.param("sk_test_abcdefghijk", "sk_test_****", id="rest-of-eleven-hidden"),
        pytest.param("sk_test_abcde", "sk_test_****", id="rest-of-five-hidden"),
        pytest.param("sk_test_abcd", "sk_test_****", id="rest-of-four-hidden"),
        pytest.param("sk_test_a", "sk_test_****", id="rest-of-one-hidden"),
        pytest.param("sk_test_", "sk_test_****", id="prefix-only"),
        pytest.param("abcdefghijkl", "****ijkl", id="no-prefix"),
        pytest.param("abcdefgh", "****", id="no-prefix-short"),
        pytest.param("", "****", id="empty"),
    ],
)
def test_mask_key(key: str, masked: str) -> None:
    assert auth.mask_key(key) == masked


@pytest.mark.parametrize(
    "key",
    [
        "sk_test_abcde",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_live_x1y2z3w4v5",
        "pk_test_12345",
        "whatever12345",
        "abcde",
    ],
)
def test_mask_key_never_shows_the_key(key: str) -> None:
    masked = auth.mask_key(key)
    assert key not in masked
    assert "****" in masked
    hidden = len(key) - len(masked.replace("****", ""))
    assert hidden >= 8 or masked.endswith("****")  # a tail shows only with 8 or more hidden
