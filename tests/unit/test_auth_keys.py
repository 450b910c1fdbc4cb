"""How an Authorization header is shown once masked: every scheme and credential shape."""

from __future__ import annotations

import base64

import pytest

from tofupay_fake import auth

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
