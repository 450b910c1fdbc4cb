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
        # issue 8 (fuzz): non-ASCII text raised ValueError out of b64decode, a crash
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
        pytest.param("pk_test_4eC39HqLyjWDarjt", "pk_test_****arjt", id="publishable"),
        pytest.param("rk_test_4eC39HqLyjWDarjt", "rk_test_****arjt", id="restricted"),
        pytest.param("rk_live_4eC39HqLyjWDarjt", "rk_live_****arjt", id="restricted-live"),
        pytest.param("sk_prod_4eC39HqLyjWDarjt", "****arjt", id="unknown-mode"),
        pytest.param("sk_test_", "sk_test_****", id="prefix-only"),
        pytest.param("sk_test_abc-defghij", "sk_test_****ghij", id="dash"),
        pytest.param("sk_test_abc defghij", "sk_test_****ghij", id="space"),
        pytest.param("sk_test_abcdéfghij", "sk_test_****ghij", id="non-ascii"),
        pytest.param("sk_test_abcdefghij\n", "sk_test_****hij\n", id="trailing-newline"),
        pytest.param("SK_TEST_abcdefghij", "****ghij", id="uppercase-prefix"),
        pytest.param("hunter2hunter2", "****ter2", id="random-string"),
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
        pytest.param("pk_test_abcdefgh", {"pk_test_abcdefgh"}, False, id="listed-but-not-secret"),
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
        pytest.param("pk_test_abcdefgh", "pk_test_****efgh", id="publishable"),
        pytest.param("sk_test_abcde", "sk_test_****bcde", id="rest-of-five"),
        pytest.param("sk_test_abcd", "sk_test_****", id="rest-of-four-hidden"),
        pytest.param("sk_test_a", "sk_test_****", id="rest-of-one-hidden"),
        pytest.param("sk_test_", "sk_test_****", id="prefix-only"),
        pytest.param("abcdefgh", "****efgh", id="no-prefix"),
        pytest.param("abcd", "****", id="no-prefix-short"),
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
    assert masked.endswith(key[-4:])
