"""Secret keys are never shown in full: reprs, call descriptions, failure messages, 401s.

A full key (and its Basic-auth base64 form) must not appear in anything the fake
prints or raises; the masked form ``sk_test_****5678`` is what they show.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tofupay_fake import FakeTofupay
from tofupay_fake.errors import TofupayError

FULL = "sk_test_abcdefgh12345678"
LIVE = "sk_live_abcdefgh87654321"
MASKED = "sk_test_****5678"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def secrets(key: str) -> list[str]:
    """What must never be shown: the key, its secret part, its Basic header value."""
    return [key, key.split("_", 2)[2], base64.b64encode(f"{key}:".encode()).decode()]


def assert_hidden(text: str, *keys: str) -> None:
    for key in keys or (FULL, LIVE):
        for secret in secrets(key):
            assert secret not in text, f"{secret!r} shown in: {text}"


@pytest.fixture
def fake() -> Iterator[FakeTofupay]:
    """A fake (not intercepting) that answered calls with both key forms, and failures."""
    made = FakeTofupay(seed=0)
    made.handle(
        "POST", "/v1/customers", headers={"Authorization": basic(FULL)}, body=b"email=a@x.io"
    )
    made.handle("GET", "/v1/customers", headers={"Authorization": f"Bearer {FULL}"})
    made.handle("POST", "/v1/customers", headers={"Authorization": f"Bearer {LIVE}"})
    made.handle("GET", "/v1/nowhere", headers={"Authorization": basic(FULL)})
    made.handle("POST", "/v1/customers", headers={"Authorization": f"Bearer {FULL}"}, body=b"x=1")
    made.handle(
        "POST", "/v1/customers", headers={"Authorization": f"Bearer {FULL}", "Idempotency-Key": "k"}
    )
    yield made


def test_repr_of_the_fake(fake: FakeTofupay) -> None:
    assert_hidden(repr(fake))
    assert_hidden(str(fake))


def test_repr_of_the_call_log_and_each_call(fake: FakeTofupay) -> None:
    assert_hidden(repr(fake.calls))
    assert_hidden(str(fake.calls))
    assert MASKED in repr(fake.calls)
    for call in fake.calls:
        assert_hidden(repr(call))
        assert_hidden(str(call))
        assert_hidden(call.describe())
    assert_hidden(repr(fake.calls.last))
    assert_hidden(repr(fake.calls.filter(method="POST")))


def test_describe(fake: FakeTofupay) -> None:
    assert_hidden(fake.calls.describe())
    assert_hidden(fake.calls.filter(path="/v1/customers").describe())


def test_assert_called_failure_message(fake: FakeTofupay) -> None:
    with pytest.raises(AssertionError) as failure:
        fake.assert_called("DELETE", "/v1/customers/*")
    assert_hidden(str(failure.value))
    with pytest.raises(AssertionError) as failure:
        fake.assert_called("POST", "/v1/customers", params={"email": "b@x.io"}, times=3)
    assert_hidden(str(failure.value))
    assert "POST /v1/customers" in str(failure.value)  # the calls are listed, keys aside


def test_assert_not_called_failure_message(fake: FakeTofupay) -> None:
    with pytest.raises(AssertionError) as failure:
        fake.assert_not_called("POST", "/v1/customers")
    assert_hidden(str(failure.value))
    with pytest.raises(AssertionError) as failure:
        fake.assert_not_called()
    assert_hidden(str(failure.value))


@pytest.mark.parametrize("authorization", [f"Bearer {FULL}", basic(FULL)])
def test_401_for_a_key_outside_the_allow_list_masks_it(authorization: str) -> None:
    fake = FakeTofupay(api_keys=["sk_test_theOnlyAllowedKey0"])
    response = fake.handle("GET", "/v1/customers", headers={"Authorization": authorization})
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message == f"Invalid API Key provided: {MASKED}"
    assert_hidden(response.content.decode())
    assert_hidden(repr(fake.calls))
    assert_hidden(fake.calls.describe())
    assert_hidden(repr(fake.calls.last.response))


def test_401_for_a_malformed_key_masks_it() -> None:
    fake = FakeTofupay()
    malformed = "sk_test_abcdefgh1234567!"  # not a secret key: still never shown in full
    response = fake.handle("GET", "/v1/customers", headers={"Authorization": f"Bearer {malformed}"})
    assert response.status_code == 401
    assert_hidden(response.content.decode(), malformed)


def test_seeding_with_a_refused_key_raises_a_masked_error() -> None:
    fake = FakeTofupay(api_keys=["sk_test_theOnlyAllowedKey0"])
    with pytest.raises(TofupayError) as refused:
        fake.add_customer(FULL, email="a@x.io")
    assert_hidden(str(refused.value))
    assert_hidden(repr(refused.value))
    assert MASKED in str(refused.value)


def test_events_carry_no_key(fake: FakeTofupay) -> None:
    assert len(fake.events) > 0
    assert_hidden(repr(fake.events))
    assert_hidden(repr(list(fake.events)))


def test_pytest_diff_of_two_calls_masks_the_keys(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        from tofupay_fake import FakeTofupay

        # Split, so the traceback's source lines do not show the keys themselves.
        FULL = {FULL[:8]!r} + {FULL[8:]!r}
        LIVE = {LIVE[:8]!r} + {LIVE[8:]!r}

        def test_two_calls():
            fake = FakeTofupay()
            fake.handle("GET", "/v1/customers", headers={{"Authorization": "Bearer " + FULL}})
            fake.handle("GET", "/v1/customers", headers={{"Authorization": "Bearer " + LIVE}})
            assert fake.calls[0] == fake.calls[1]
        """
    )
    pytester.makeini(
        "[pytest]\naddopts = -p no:cacheprovider -p no:hypothesispytest\n"
        "asyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings =\n    error\n"
    )
    result = pytester.runpytest_inprocess("-vv")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert_hidden(output)
