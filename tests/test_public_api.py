"""Guards the public surface: what users import must stay importable and listed."""

from __future__ import annotations

import inspect

import tofupay_fake
from tofupay_fake import FakeTofupay

PUBLIC = [
    "DEFAULT_BASE_URL",
    "CallLog",
    "Clock",
    "FakeTofupay",
    "FixtureError",
    "RecordedCall",
    "Response",
    "Snapshot",
    "TofupayError",
    "__version__",
]


def test_all_is_sorted_and_exactly_the_public_names() -> None:
    assert tofupay_fake.__all__ == PUBLIC
    assert sorted(tofupay_fake.__all__, key=str.casefold) == sorted(PUBLIC, key=str.casefold)
    for name in PUBLIC:
        assert hasattr(tofupay_fake, name), name


def test_constructor_signature_is_the_contract() -> None:
    signature = inspect.signature(FakeTofupay)
    # The documented parameters, in their order; ``history`` (server mode) comes after them.
    assert list(signature.parameters) == [
        "seed", "base_url", "clock", "api_keys", "strict_tokens", "history",
    ]  # fmt: skip
    assert signature.parameters["seed"].default == 0
    assert signature.parameters["base_url"].default == "https://api.tofupay.com"
    assert signature.parameters["history"].default is None
    for name in ("base_url", "clock", "api_keys", "strict_tokens", "history"):
        assert signature.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_contract_methods_exist() -> None:
    for name in (
        "start",
        "stop",
        "add_customer",
        "seed_customers",
        "customers",
        "get_customer",
        "assert_called",
        "assert_not_called",
        "reset",
        "handle",
    ):
        assert callable(getattr(FakeTofupay, name)), name
    fake = FakeTofupay()
    assert fake.calls.call_count == 0
    assert fake.clock.now() == 1421056271


def test_every_public_name_has_a_lazy_home() -> None:
    homes = tofupay_fake._HOMES
    assert sorted(homes) == sorted(name for name in PUBLIC if name != "__version__")
    for name in homes:
        assert getattr(tofupay_fake, name) is not None
    assert set(PUBLIC) <= set(dir(tofupay_fake))


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        tofupay_fake.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
